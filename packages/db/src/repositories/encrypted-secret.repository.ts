// Every column set that holds a vault ciphertext, as an encrypted-secret store for the key rotation. Rows are
// walked in id order through the primary key (no index on the key version is needed: a whole rotation reads
// the table once), and each is replaced only while it still holds the nonce it was read with. The associated
// data of a stored secret is its row's id, or a string built from it (the bank rails' secrets, issue 18).
// Tables whose guard trigger refuses other updates (bank accounts, bank-transfer refunds) are rewritten in a
// transaction with paycore.vault_maintenance = 'on' (SET LOCAL): their trigger then lets through an update that
// re-seals one ciphertext column set under another key version and changes nothing else (migration
// 20261211020100_bank_secret_rotation).
import type { EncryptedSecretRow, EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import {
  bankAccountNumberAssociatedData,
  bankRefundAccountAssociatedData,
  microDepositsAssociatedData,
} from "@paycore/core/vault/associated-data";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import type { Sql } from "../sql";
import { piiSecretStores } from "./customer-pii-store.repository";

/** Where a kind of secret lives. Names are constants of this file, never input, so they go into the SQL text. */
interface SecretColumns {
  name: string;
  table: string;
  /** The primary key (text); "id" when absent. */
  id?: string;
  ciphertext: string;
  nonce: string;
  authTag: string;
  /** Null where the row holds no such secret (e.g. an account verified instantly has no micro-deposits). */
  keyVersion: string;
  /** The associated data the secret was sealed with; the row's id when absent. */
  associatedData?: (id: string) => string;
  /** The table's guard refuses updates: rewrite under paycore.vault_maintenance (see the head of this file). */
  guarded?: boolean;
}

/** Every kind of stored secret; a new one adds a constant here and a line in `encryptedSecretStores`. */
const CARD_NUMBERS: SecretColumns = {
  name: "payment_methods.pan",
  table: "payment_methods",
  ciphertext: "pan_ciphertext",
  nonce: "pan_nonce",
  authTag: "pan_auth_tag",
  keyVersion: "key_version",
};

const PSP_ACCOUNT_SECRETS: SecretColumns = {
  name: "psp_account_secrets",
  table: "psp_account_secrets",
  ciphertext: "ciphertext",
  nonce: "nonce",
  authTag: "auth_tag",
  keyVersion: "key_version",
};

/** Merchants' webhook signing secrets (sealed with their row id, like the others). */
const WEBHOOK_ENDPOINT_SECRETS: SecretColumns = {
  name: "webhook_endpoint_secrets",
  table: "webhook_endpoint_secrets",
  ciphertext: "ciphertext",
  nonce: "nonce",
  authTag: "auth_tag",
  keyVersion: "key_version",
};

/** API keys' request-signing secrets (issue 22), sealed with their row id. */
const API_KEY_SIGNING_SECRETS: SecretColumns = {
  name: "api_key_signing_secrets",
  table: "api_key_signing_secrets",
  ciphertext: "ciphertext",
  nonce: "nonce",
  authTag: "auth_tag",
  keyVersion: "key_version",
};

/** Payout destinations' account numbers (issue 18), bound to 'bank_account:<id>'. */
const BANK_ACCOUNT_NUMBERS: SecretColumns = {
  name: "bank_accounts.number",
  table: "bank_accounts",
  ciphertext: "number_ciphertext",
  nonce: "number_nonce",
  authTag: "number_auth_tag",
  keyVersion: "number_key_version",
  associatedData: bankAccountNumberAssociatedData,
  guarded: true,
};

/** The two micro-deposit amounts of a bank account verified by micro-deposits, bound to their account. */
const MICRO_DEPOSITS: SecretColumns = {
  name: "bank_accounts.micro_deposits",
  table: "bank_accounts",
  ciphertext: "micro_deposits_ciphertext",
  nonce: "micro_deposits_nonce",
  authTag: "micro_deposits_auth_tag",
  keyVersion: "micro_deposits_key_version",
  associatedData: microDepositsAssociatedData,
  guarded: true,
};

/** The payer's account a bank-transfer refund is credited to, bound to 'bank-refund:<refund id>'. */
const BANK_REFUND_ACCOUNTS: SecretColumns = {
  name: "bank_transfer_refunds.account",
  table: "bank_transfer_refunds",
  id: "refund_id",
  ciphertext: "account_ciphertext",
  nonce: "account_nonce",
  authTag: "account_auth_tag",
  keyVersion: "account_key_version",
  associatedData: bankRefundAccountAssociatedData,
  guarded: true,
};

const VAULT_MAINTENANCE = "SET LOCAL paycore.vault_maintenance = 'on'";

interface Row {
  id: string;
  ciphertext: Buffer;
  nonce: Buffer;
  auth_tag: Buffer;
  key_version: number;
}

export class EncryptedSecretColumns implements EncryptedSecretStore {
  readonly name: string;
  private readonly findText: string;
  private readonly replaceText: string;
  private readonly countText: string;
  private readonly associatedData: (id: string) => string;
  private readonly guarded: boolean;

  constructor(
    private readonly sql: Sql,
    columns: SecretColumns,
  ) {
    const { table: t, ciphertext, nonce, authTag, keyVersion } = columns;
    const id = columns.id ?? "id";
    this.name = columns.name;
    this.associatedData = columns.associatedData ?? ((rowId) => rowId);
    this.guarded = columns.guarded ?? false;
    // A row without this secret has a null key version: `<> $1` and the count's filter leave it out.
    this.findText = `
SELECT ${id} AS id, ${ciphertext} AS ciphertext, ${nonce} AS nonce, ${authTag} AS auth_tag, ${keyVersion} AS key_version
  FROM ${t}
 WHERE ${keyVersion} <> $1 AND ($2::text IS NULL OR ${id} > $2)
 ORDER BY ${id}
 LIMIT $3`;
    this.replaceText = `
UPDATE ${t} s
   SET ${ciphertext} = c.ciphertext, ${nonce} = c.nonce, ${authTag} = c.auth_tag, ${keyVersion} = c.key_version
  FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::smallint[], $6::bytea[])
       AS c(id, ciphertext, nonce, auth_tag, key_version, old_nonce)
 WHERE s.${id} = c.id AND s.${nonce} = c.old_nonce`;
    this.countText = `SELECT ${keyVersion} AS key_version, count(*)::text AS count FROM ${t}
 WHERE ${keyVersion} IS NOT NULL GROUP BY ${keyVersion}`;
  }

  async findNotUnder(
    currentVersion: number,
    afterId: string | null,
    limit: number,
  ): Promise<EncryptedSecretRow[]> {
    const rows = await this.sql.query<Row>(this.findText, [currentVersion, afterId, limit]);
    return rows.map((row) => ({
      id: row.id,
      associatedData: this.associatedData(row.id),
      encrypted: {
        ciphertext: row.ciphertext,
        nonce: row.nonce,
        authTag: row.auth_tag,
        keyVersion: row.key_version,
      },
    }));
  }

  async replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>): Promise<number> {
    if (changes.length === 0) return 0;
    const parameters = [
      changes.map((c) => c.row.id),
      changes.map((c) => c.next.ciphertext),
      changes.map((c) => c.next.nonce),
      changes.map((c) => c.next.authTag),
      changes.map((c) => c.next.keyVersion),
      changes.map((c) => c.row.encrypted.nonce),
    ];
    if (!this.guarded) return this.sql.execute(this.replaceText, parameters);
    return this.sql.transaction(async (tx) => {
      await tx.execute(VAULT_MAINTENANCE);
      return tx.execute(this.replaceText, parameters);
    });
  }

  async countByKeyVersion(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ key_version: number; count: string }>(this.countText);
    return new Map(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}

/** Every store of vault ciphertexts, in the order the rotation visits them: customers' e-mails and IPs last. */
export function encryptedSecretStores(sql: Sql): EncryptedSecretStore[] {
  return [
    ...[
      CARD_NUMBERS,
      PSP_ACCOUNT_SECRETS,
      WEBHOOK_ENDPOINT_SECRETS,
      API_KEY_SIGNING_SECRETS,
      BANK_ACCOUNT_NUMBERS,
      MICRO_DEPOSITS,
      BANK_REFUND_ACCOUNTS,
    ].map((columns) => new EncryptedSecretColumns(sql, columns)),
    ...piiSecretStores(sql),
  ];
}
