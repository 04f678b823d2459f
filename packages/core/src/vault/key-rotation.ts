// Re-encrypts every stored secret under the vault's current key version, so an older key can be retired
// (removed from VAULT_ENCRYPTION_KEYS). It works in bounded batches and keeps no state of its own: a row's
// key version says whether it is done, so an interrupted run is resumed by running it again, and two runs
// at once only ever replace a row once (the store's compare-and-set).
import { InvariantError, invariant } from "../errors/domain-error";
import type { EncryptedSecretRow, EncryptedSecretStore } from "../ports/encrypted-secret-store";
import { reencryptSecret, type VaultKeyring } from "./card-vault";

export const ROTATION_BATCH_SIZE_MAX = 5_000;

export interface RotationOptions {
  batchSize: number;
  /** Stop after this many batches per store (a run may be spread over several maintenance windows). */
  batchesMax?: number;
  onBatch?: (progress: { store: string; rotated: number; skipped: number; lastId: string }) => void;
}

export interface StoreRotation {
  store: string;
  /** Rows re-encrypted under the current version by this run. */
  rotated: number;
  /** Rows another writer changed between the read and the write (they are picked up by the next run). */
  skipped: number;
  /** False when batchesMax stopped the run before the store was done. */
  complete: boolean;
}

/** Thrown when a row is under a key version the keyring no longer has: that key cannot be retired yet. */
export class UndecryptableSecretError extends Error {
  constructor(
    readonly store: string,
    readonly rowId: string,
    readonly keyVersion: number,
  ) {
    super(`${store}: row ${rowId} is under key version ${keyVersion}, which the keyring cannot decrypt`);
    this.name = "UndecryptableSecretError";
  }
}

export async function rotateSecrets(
  keyring: VaultKeyring,
  stores: readonly EncryptedSecretStore[],
  options: RotationOptions,
): Promise<StoreRotation[]> {
  invariant(
    Number.isInteger(options.batchSize) &&
      options.batchSize >= 1 &&
      options.batchSize <= ROTATION_BATCH_SIZE_MAX,
    `key rotation: batchSize must be 1 to ${ROTATION_BATCH_SIZE_MAX}`,
  );
  const results: StoreRotation[] = [];
  for (const store of stores) results.push(await rotateStore(keyring, store, options));
  return results;
}

async function rotateStore(
  keyring: VaultKeyring,
  store: EncryptedSecretStore,
  options: RotationOptions,
): Promise<StoreRotation> {
  const result: StoreRotation = { store: store.name, rotated: 0, skipped: 0, complete: false };
  let afterId: string | null = null;
  const batchesMax = options.batchesMax ?? Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < batchesMax; batch++) {
    const rows = await store.findNotUnder(keyring.currentVersion, afterId, options.batchSize);
    if (rows.length === 0) break;
    const changes = rows.map((row) => ({ row, next: reencrypt(keyring, store, row) }));
    const replaced = await store.replaceAll(changes);
    result.rotated += replaced;
    result.skipped += rows.length - replaced;
    afterId = rows[rows.length - 1]?.id ?? afterId;
    options.onBatch?.({
      store: store.name,
      rotated: result.rotated,
      skipped: result.skipped,
      lastId: afterId ?? "",
    });
  }
  // Done only if no row is left under an old version anywhere (a skipped row, or the batch budget ran out).
  result.complete = (await store.findNotUnder(keyring.currentVersion, null, 1)).length === 0;
  return result;
}

function reencrypt(keyring: VaultKeyring, store: EncryptedSecretStore, row: EncryptedSecretRow) {
  if (!keyring.keys.has(row.encrypted.keyVersion))
    throw new UndecryptableSecretError(store.name, row.id, row.encrypted.keyVersion);
  try {
    return reencryptSecret(keyring, row.encrypted, row.associatedData);
  } catch (error) {
    if (error instanceof InvariantError)
      throw new UndecryptableSecretError(store.name, row.id, row.encrypted.keyVersion);
    throw error;
  }
}
