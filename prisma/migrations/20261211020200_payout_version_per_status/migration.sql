-- A payout's version counts its status changes, one each (issue 18, "payout versions can skip"). Merchants see the
-- version in every payout.* webhook snapshot and keep the highest they have seen (docs/api.md, Events). Until now
-- every UPDATE advanced it, including the bookkeeping of the bank call (claimed before each call and each retry,
-- with no event), so a merchant saw created v1 then in_transit v3 (v5 after two timeouts), and a bank notice that
-- moved a payout two steps at once (PAID while still PENDING: our call's answer was lost) was one UPDATE from
-- PENDING to PAID, which this very trigger refused (no such edge), so the notice failed until a resend.
--
-- Now: an update that changes the status moves along one edge of payout_status_transitions and advances the version
-- by exactly one (the store writes a two-step path as two updates, each with its own event and outbox message, so
-- each snapshot shows its own step); an update that leaves the status alone (the bank call's bookkeeping, a
-- repeated notice's bank reference) leaves the version and the failure code alone. Concurrent bookkeeping is
-- serialised by the bank call count instead (compare-and-set in the store; it never goes back).
CREATE OR REPLACE FUNCTION "payouts_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> OLD."status" THEN
    IF NEW."version" <> OLD."version" + 1 THEN
      RAISE EXCEPTION 'payout % changed status without advancing its version by one (% -> %)', OLD."id",
        OLD."version", NEW."version" USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (
      SELECT 1 FROM "payout_status_transitions" t WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
    ) THEN
      RAISE EXCEPTION 'illegal payout transition % -> % for %', OLD."status", NEW."status", OLD."id"
        USING ERRCODE = 'check_violation';
    END IF;
  ELSE
    IF NEW."version" <> OLD."version" THEN
      RAISE EXCEPTION 'payout % version moved without a status change (% -> %)', OLD."id", OLD."version",
        NEW."version" USING ERRCODE = 'check_violation';
    END IF;
    IF NEW."failure_code" IS DISTINCT FROM OLD."failure_code" THEN
      RAISE EXCEPTION 'payout % failure code changed without a status change', OLD."id"
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF NEW."bank_call_count" < OLD."bank_call_count" THEN
    RAISE EXCEPTION 'payout % bank call count cannot go back', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency"
     OR NEW."bank_account_id" <> OLD."bank_account_id" OR NEW."method" <> OLD."method"
     OR NEW."retry_of" IS DISTINCT FROM OLD."retry_of" THEN
    RAISE EXCEPTION 'payout % identity, amount, currency and destination are immutable', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
