// Every column set that holds a vault ciphertext, as an encrypted-secret store for the key rotation. Rows are
// walked in id order through the primary key (no index on the key version is needed: a whole rotation reads
// the table once), and each is replaced only while it still holds the nonce it was read with. The associated
// data of every stored secret is its row's id.
import type { EncryptedSecretRow, EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import type { Sql } from "../sql";
import { piiSecretStores } from "./customer-pii-store.repository";

/** Where a kind of secret lives. Names are constants of this file, never input, so they go into the SQL text. */
interface SecretColumns {
  name: string;
  table: string;
  ciphertext: string;
  nonce: string;
  authTag: string;
  keyVersion: string;
}

/** Every kind of stored secret; a new one (bank accounts, say) adds a line here and one in `ENCRYPTED_SECRETS`. */
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

  constructor(
    private readonly sql: Sql,
    columns: SecretColumns,
  ) {
    const { table: t, ciphertext, nonce, authTag, keyVersion } = columns;
    this.name = columns.name;
    this.findText = `
SELECT id, ${ciphertext} AS ciphertext, ${nonce} AS nonce, ${authTag} AS auth_tag, ${keyVersion} AS key_version
  FROM ${t}
 WHERE ${keyVersion} <> $1 AND ($2::text IS NULL OR id > $2)
 ORDER BY id
 LIMIT $3`;
    this.replaceText = `
UPDATE ${t} s
   SET ${ciphertext} = c.ciphertext, ${nonce} = c.nonce, ${authTag} = c.auth_tag, ${keyVersion} = c.key_version
  FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::smallint[], $6::bytea[])
       AS c(id, ciphertext, nonce, auth_tag, key_version, old_nonce)
 WHERE s.id = c.id AND s.${nonce} = c.old_nonce`;
    this.countText = `SELECT ${keyVersion} AS key_version, count(*)::text AS count FROM ${t} GROUP BY ${keyVersion}`;
  }

  async findNotUnder(
    currentVersion: number,
    afterId: string | null,
    limit: number,
  ): Promise<EncryptedSecretRow[]> {
    const rows = await this.sql.query<Row>(this.findText, [currentVersion, afterId, limit]);
    return rows.map((row) => ({
      id: row.id,
      associatedData: row.id,
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
    return this.sql.execute(this.replaceText, [
      changes.map((c) => c.row.id),
      changes.map((c) => c.next.ciphertext),
      changes.map((c) => c.next.nonce),
      changes.map((c) => c.next.authTag),
      changes.map((c) => c.next.keyVersion),
      changes.map((c) => c.row.encrypted.nonce),
    ]);
  }

  async countByKeyVersion(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ key_version: number; count: string }>(this.countText);
    return new Map(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}

/** Every store of vault ciphertexts, in the order the rotation visits them: customers' e-mails and IPs last. */
export function encryptedSecretStores(sql: Sql): EncryptedSecretStore[] {
  return [
    ...[CARD_NUMBERS, PSP_ACCOUNT_SECRETS, WEBHOOK_ENDPOINT_SECRETS, API_KEY_SIGNING_SECRETS].map(
      (columns) => new EncryptedSecretColumns(sql, columns),
    ),
    ...piiSecretStores(sql),
  ];
}
