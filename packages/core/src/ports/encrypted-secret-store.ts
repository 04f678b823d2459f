// A table (or a column set of one) that holds secrets encrypted by the vault. The key rotation job reads and
// rewrites rows through this port, so every kind of stored secret (card numbers today; bank accounts, PSP
// credentials and the like as they are added) is rotated by the same loop: add a store, register it.
import type { EncryptedPan } from "../vault/card-vault";

export interface EncryptedSecretRow {
  id: string;
  encrypted: EncryptedPan;
  /** What the ciphertext was bound to when encrypted (the owner's id). */
  associatedData: string;
}

export interface EncryptedSecretStore {
  /** Names the store in progress reports: "payment_methods.pan". */
  readonly name: string;
  /** Up to `limit` rows under any key version other than `currentVersion`, ordered by id, after `afterId`. */
  findNotUnder(currentVersion: number, afterId: string | null, limit: number): Promise<EncryptedSecretRow[]>;
  /**
   * Replaces each row's ciphertext only while it still holds the ciphertext it was read with (another
   * rotation, or a change of the row, wins). Returns how many rows were replaced.
   */
  replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>): Promise<number>;
  /** Rows per key version. */
  countByKeyVersion(): Promise<Map<number, number>>;
}
