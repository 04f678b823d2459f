-- The vault's key rotation (`npm run cli -- vault rotate`) re-seals the bank rails' secrets too (issue 18): payout
-- destinations' account numbers and micro-deposit amounts (bank_accounts), and the payer's account a bank-transfer
-- refund is credited to (bank_transfer_refunds). Both tables have guard triggers that refuse such an update (a bank
-- account's number is immutable; every update must advance the version by one, and a version is what merchants and
-- the optimistic writes see). As with customers' personal data (paycore.pii_maintenance, migration
-- 20261210040100), the rotation runs its batch in a transaction that sets paycore.vault_maintenance = 'on'
-- (SET LOCAL), and the guard is skipped only for an update that
--   - replaces one ciphertext column set (ciphertext, nonce, tag, key version), every part present before and after,
--   - under another key version,
--   - and changes no other column (not the status, the version, the last four digits, the amount or destination).
-- Whether the plaintext stays the same the database cannot see (it holds no key): the rotation decrypts and
-- re-encrypts the same value (packages/core/src/vault/key-rotation.ts), and an integration test reads every value
-- back. Outside maintenance the guards now also refuse any change of these columns.

CREATE FUNCTION "vault_reseal_only"(old_row JSONB, new_row JSONB, sealed_columns TEXT[], key_version_column TEXT)
  RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('paycore.vault_maintenance', true), '') = 'on'
     AND (old_row - sealed_columns) = (new_row - sealed_columns)
     AND (old_row->>key_version_column) IS DISTINCT FROM (new_row->>key_version_column)
     AND NOT EXISTS (SELECT 1 FROM unnest(sealed_columns) AS c(name)
                      WHERE old_row->>c.name IS NULL OR new_row->>c.name IS NULL)
$$;

-- As in 20261209130000_payouts_finish, and the whole sealed number and micro-deposits immutable (not only the
-- ciphertext), with the routing number and holder.
CREATE OR REPLACE FUNCTION "bank_accounts_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'bank account % updated without advancing its version (% -> %)', OLD."id", OLD."version",
      NEW."version" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "bank_account_status_transitions" t
     WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal bank account transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."verification_attempts" < OLD."verification_attempts" THEN
    RAISE EXCEPTION 'bank account % verification attempts cannot go back', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."rail" <> OLD."rail" OR NEW."currency" <> OLD."currency" OR NEW."last4" <> OLD."last4"
     OR NEW."country" <> OLD."country" OR NEW."holder_name" <> OLD."holder_name"
     OR NEW."routing_number" IS DISTINCT FROM OLD."routing_number"
     OR NEW."number_ciphertext" <> OLD."number_ciphertext" OR NEW."number_nonce" <> OLD."number_nonce"
     OR NEW."number_auth_tag" <> OLD."number_auth_tag" OR NEW."number_key_version" <> OLD."number_key_version"
     OR NEW."verification_method" <> OLD."verification_method"
     OR NEW."micro_deposits_ciphertext" IS DISTINCT FROM OLD."micro_deposits_ciphertext"
     OR NEW."micro_deposits_nonce" IS DISTINCT FROM OLD."micro_deposits_nonce"
     OR NEW."micro_deposits_auth_tag" IS DISTINCT FROM OLD."micro_deposits_auth_tag"
     OR NEW."micro_deposits_key_version" IS DISTINCT FROM OLD."micro_deposits_key_version" THEN
    RAISE EXCEPTION 'bank account % identity, number and micro-deposits are immutable', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;

DROP TRIGGER "bank_accounts_guard_update" ON "bank_accounts";
CREATE TRIGGER "bank_accounts_guard_update" BEFORE UPDATE ON "bank_accounts"
  FOR EACH ROW WHEN (NOT (
    "vault_reseal_only"(to_jsonb(OLD), to_jsonb(NEW),
      ARRAY['number_ciphertext', 'number_nonce', 'number_auth_tag', 'number_key_version'], 'number_key_version')
    OR "vault_reseal_only"(to_jsonb(OLD), to_jsonb(NEW),
      ARRAY['micro_deposits_ciphertext', 'micro_deposits_nonce', 'micro_deposits_auth_tag', 'micro_deposits_key_version'],
      'micro_deposits_key_version')))
  EXECUTE FUNCTION "bank_accounts_guard_update"();

-- As in 20261210030200_bank_transfer_refunds, and the destination account (sealed number, rail, holder, routing
-- number) immutable: only the rotation's maintenance update re-seals the number.
CREATE OR REPLACE FUNCTION "bank_transfer_refunds_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'bank refund % updated without advancing its version (% -> %)', OLD."refund_id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT (
    (OLD."status" = 'PENDING' AND NEW."status" IN ('SUCCEEDED', 'FAILED'))
    OR (OLD."status" = 'SUCCEEDED' AND NEW."status" = 'RETURNED')
  ) THEN
    RAISE EXCEPTION 'illegal bank refund transition % -> % for %', OLD."status", NEW."status", OLD."refund_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."refund_id" <> OLD."refund_id" OR NEW."payment_id" <> OLD."payment_id" OR NEW."merchant_id" <> OLD."merchant_id"
     OR NEW."mode" <> OLD."mode" OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency"
     OR NEW."destination" <> OLD."destination" OR NEW."transfer_id" IS DISTINCT FROM OLD."transfer_id"
     OR NEW."account_last4" IS DISTINCT FROM OLD."account_last4"
     OR NEW."rail" IS DISTINCT FROM OLD."rail" OR NEW."holder_name" IS DISTINCT FROM OLD."holder_name"
     OR NEW."routing_number" IS DISTINCT FROM OLD."routing_number"
     OR NEW."account_ciphertext" IS DISTINCT FROM OLD."account_ciphertext"
     OR NEW."account_nonce" IS DISTINCT FROM OLD."account_nonce"
     OR NEW."account_auth_tag" IS DISTINCT FROM OLD."account_auth_tag"
     OR NEW."account_key_version" IS DISTINCT FROM OLD."account_key_version" THEN
    RAISE EXCEPTION 'bank refund % identity, amount and destination are immutable', OLD."refund_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."bank_reference" IS NOT NULL AND NEW."bank_reference" IS DISTINCT FROM OLD."bank_reference" THEN
    RAISE EXCEPTION 'bank refund % bank reference is set once', OLD."refund_id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;

DROP TRIGGER "bank_transfer_refunds_guard_update" ON "bank_transfer_refunds";
CREATE TRIGGER "bank_transfer_refunds_guard_update" BEFORE UPDATE ON "bank_transfer_refunds"
  FOR EACH ROW WHEN (NOT "vault_reseal_only"(to_jsonb(OLD), to_jsonb(NEW),
    ARRAY['account_ciphertext', 'account_nonce', 'account_auth_tag', 'account_key_version'], 'account_key_version'))
  EXECUTE FUNCTION "bank_transfer_refunds_guard_update"();
