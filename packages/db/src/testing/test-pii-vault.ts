// A PII vault under fresh random keys, for integration tests that build repositories without a runtime.
import { generateKeyMaterial, parseKeyring } from "@paycore/core/vault/card-vault";
import { createPiiVault, type PiiVault } from "@paycore/core/vault/pii-vault";

export function testPiiVault(): PiiVault {
  return createPiiVault(
    parseKeyring({ encryptionKeys: `1:${generateKeyMaterial()}`, fingerprintKey: generateKeyMaterial() }),
  );
}
