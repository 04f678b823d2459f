// Checks that the key rotation re-encrypts every row under the current key in bounded batches, resumes
// where an interrupted run stopped, never overwrites a row changed underneath it, and leaves rows that
// the keyring without the retired key still decrypts.
import { describe, expect, it } from "vitest";
import { InMemoryEncryptedSecretStore } from "../testing/in-memory-encrypted-secret-store";
import { decryptSecret, encryptSecret, generateKeyMaterial, parseKeyring } from "./card-vault";
import { rotateSecrets, UndecryptableSecretError } from "./key-rotation";

const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const K3 = generateKeyMaterial();
const FP = generateKeyMaterial();
const v1 = parseKeyring({ encryptionKeys: `1:${K1}`, fingerprintKey: FP });
const v12 = parseKeyring({ encryptionKeys: `1:${K1},2:${K2}`, fingerprintKey: FP });
const v123 = parseKeyring({ encryptionKeys: `1:${K1},2:${K2},3:${K3}`, fingerprintKey: FP });
const only3 = parseKeyring({ encryptionKeys: `3:${K3}`, fingerprintKey: FP });

/** `count` rows, the first half under version 1 and the rest under version 2. */
function storeWith(count: number): InMemoryEncryptedSecretStore {
  const store = new InMemoryEncryptedSecretStore();
  for (let i = 0; i < count; i++) {
    const id = `pm_${String(i).padStart(4, "0")}`;
    const keyring = i < count / 2 ? v1 : v12;
    store.rows.set(id, { id, associatedData: id, encrypted: encryptSecret(keyring, `secret-${i}`, id) });
  }
  return store;
}

describe("rotateSecrets", () => {
  it("re-encrypts every row under the current version, in batches, and the old keys can then be retired", async () => {
    const store = storeWith(7);
    const batches: number[] = [];
    const [result] = await rotateSecrets(v123, [store], {
      batchSize: 3,
      onBatch: (p) => batches.push(p.rotated),
    });
    expect(result).toEqual({ store: "memory.secret", rotated: 7, skipped: 0, complete: true });
    expect(batches).toEqual([3, 6, 7]);
    expect(await store.countByKeyVersion()).toEqual(new Map([[3, 7]]));
    for (const [i, row] of [...store.rows.values()].entries())
      expect(decryptSecret(only3, row.encrypted, row.associatedData)).toBe(`secret-${i}`);
  });

  it("resumes where a run cut short by its batch budget stopped", async () => {
    const store = storeWith(10);
    const [first] = await rotateSecrets(v123, [store], { batchSize: 4, batchesMax: 1 });
    expect(first).toMatchObject({ rotated: 4, complete: false });
    const [second] = await rotateSecrets(v123, [store], { batchSize: 4 });
    expect(second).toMatchObject({ rotated: 6, complete: true });
    const [third] = await rotateSecrets(v123, [store], { batchSize: 4 });
    expect(third).toMatchObject({ rotated: 0, complete: true });
  });

  it("does not overwrite a row that changed between its read and the write, and says it is not done", async () => {
    const store = storeWith(4);
    store.beforeReplace = () => {
      store.beforeReplace = null;
      const row = store.rows.get("pm_0000");
      if (row) store.rows.set(row.id, { ...row, encrypted: encryptSecret(v1, "changed", row.id) });
    };
    const [result] = await rotateSecrets(v123, [store], { batchSize: 10 });
    expect(result).toMatchObject({ rotated: 3, skipped: 1, complete: false });
    const row = store.rows.get("pm_0000");
    expect(row && decryptSecret(v1, row.encrypted, row.associatedData)).toBe("changed");
    expect(await rotateSecrets(v123, [store], { batchSize: 10 })).toMatchObject([
      { rotated: 1, complete: true },
    ]);
  });

  it("stops at a row under a version the keyring lacks, naming it, and writes nothing of that batch", async () => {
    const store = storeWith(4);
    await expect(rotateSecrets(only3, [store], { batchSize: 10 })).rejects.toThrow(UndecryptableSecretError);
    await expect(rotateSecrets(only3, [store], { batchSize: 10 })).rejects.toThrow(
      "row pm_0000 is under key version 1",
    );
    expect(await store.countByKeyVersion()).toEqual(
      new Map([
        [1, 2],
        [2, 2],
      ]),
    );
  });

  it.each([0, -1, 1.5, 5_001])("refuses a batch size of %s", async (batchSize) => {
    await expect(rotateSecrets(v123, [storeWith(1)], { batchSize })).rejects.toThrow("batchSize");
  });
});
