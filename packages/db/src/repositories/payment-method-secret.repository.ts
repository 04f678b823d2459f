// The vault's card numbers as an encrypted-secret store, for the key rotation. Rows are walked in id order
// through the primary key (no index on key_version is needed: a whole rotation reads the table once), and
// each is replaced only while it still holds the ciphertext it was read with.
import type { EncryptedSecretRow, EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import type { Sql } from "../sql";

interface Row {
  id: string;
  pan_ciphertext: Buffer;
  pan_nonce: Buffer;
  pan_auth_tag: Buffer;
  key_version: number;
}

const FIND_NOT_UNDER = `
SELECT id, pan_ciphertext, pan_nonce, pan_auth_tag, key_version
  FROM payment_methods
 WHERE key_version <> $1 AND ($2::text IS NULL OR id > $2)
 ORDER BY id
 LIMIT $3`;

const REPLACE_ALL = `
UPDATE payment_methods p
   SET pan_ciphertext = c.ciphertext, pan_nonce = c.nonce, pan_auth_tag = c.auth_tag, key_version = c.key_version
  FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::smallint[], $6::bytea[])
       AS c(id, ciphertext, nonce, auth_tag, key_version, old_nonce)
 WHERE p.id = c.id AND p.pan_nonce = c.old_nonce`;

const COUNT_BY_KEY_VERSION = `SELECT key_version, count(*)::text AS count FROM payment_methods GROUP BY key_version`;

export class PaymentMethodSecretStore implements EncryptedSecretStore {
  readonly name = "payment_methods.pan";

  constructor(private readonly sql: Sql) {}

  async findNotUnder(
    currentVersion: number,
    afterId: string | null,
    limit: number,
  ): Promise<EncryptedSecretRow[]> {
    const rows = await this.sql.query<Row>(FIND_NOT_UNDER, [currentVersion, afterId, limit]);
    return rows.map((row) => ({
      id: row.id,
      // The payment method id is the associated data its number was encrypted with (see tokenizeCard).
      associatedData: row.id,
      encrypted: {
        ciphertext: row.pan_ciphertext,
        nonce: row.pan_nonce,
        authTag: row.pan_auth_tag,
        keyVersion: row.key_version,
      },
    }));
  }

  async replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>): Promise<number> {
    if (changes.length === 0) return 0;
    return this.sql.execute(REPLACE_ALL, [
      changes.map((c) => c.row.id),
      changes.map((c) => c.next.ciphertext),
      changes.map((c) => c.next.nonce),
      changes.map((c) => c.next.authTag),
      changes.map((c) => c.next.keyVersion),
      changes.map((c) => c.row.encrypted.nonce),
    ]);
  }

  async countByKeyVersion(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ key_version: number; count: string }>(COUNT_BY_KEY_VERSION);
    return new Map(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}
