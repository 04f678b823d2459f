// An in-memory encrypted-secret store for unit tests of the key rotation: rows in a map, the same
// compare-and-set on replace as the Postgres store (a row changed since it was read is not replaced).
import type { EncryptedSecretRow, EncryptedSecretStore } from "../ports/encrypted-secret-store";
import type { EncryptedPan } from "../vault/card-vault";

export class InMemoryEncryptedSecretStore implements EncryptedSecretStore {
  readonly rows = new Map<string, EncryptedSecretRow>();
  /** Called between a batch's read and its write: lets a test change rows underneath the rotation. */
  beforeReplace: (() => void) | null = null;

  constructor(readonly name = "memory.secret") {}

  async findNotUnder(currentVersion: number, afterId: string | null, limit: number) {
    return [...this.rows.values()]
      .filter((row) => row.encrypted.keyVersion !== currentVersion && (afterId === null || row.id > afterId))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>) {
    this.beforeReplace?.();
    let replaced = 0;
    for (const { row, next } of changes) {
      const current = this.rows.get(row.id);
      if (!current?.encrypted.nonce.equals(row.encrypted.nonce)) continue;
      this.rows.set(row.id, { ...current, encrypted: next });
      replaced += 1;
    }
    return replaced;
  }

  async countByKeyVersion() {
    const counts = new Map<number, number>();
    for (const row of this.rows.values())
      counts.set(row.encrypted.keyVersion, (counts.get(row.encrypted.keyVersion) ?? 0) + 1);
    return counts;
  }
}
