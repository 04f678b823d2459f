// The one write path for operators' API keys (op_…, fraud reviews through the API): the key is shown once and
// stored as its hash; every change is written with its audit row, which names the key's holder, never the key.
import { DomainError } from "../errors/domain-error";
import { newId, type OperatorKeyId } from "../ids/ids";
import { generateOperatorKey } from "../merchants/api-keys";
import { assertFreeText } from "../payments/free-text";
import type { Actor } from "../ports/audit";
import type { OperatorKeyStore } from "../ports/operator-key-store";

export const OPERATOR_KEY_NAME_LENGTH_MAX = 100;

export class OperatorKeyCommands {
  constructor(private readonly deps: { store: OperatorKeyStore; now: () => Date }) {}

  async create(actor: Actor, rawName: string): Promise<{ id: OperatorKeyId; name: string; key: string }> {
    const name = rawName.trim();
    if (name.length === 0 || name.length > OPERATOR_KEY_NAME_LENGTH_MAX)
      throw new DomainError(
        "INVALID_INPUT",
        `name must be 1 to ${OPERATOR_KEY_NAME_LENGTH_MAX} characters.`,
        {
          field: ["name"],
        },
      );
    assertFreeText(name, { field: ["name"] });
    const generated = generateOperatorKey();
    const id = newId("operatorKey");
    await this.deps.store.create(
      { id, name, secretHash: generated.secretHash, displayHint: generated.displayHint },
      {
        actor,
        action: "operator_key.create",
        targetId: id,
        before: null,
        after: { name, displayHint: generated.displayHint },
      },
    );
    return { id, name, key: generated.key };
  }

  /** False when there is no such active key. */
  async revoke(actor: Actor, id: string): Promise<boolean> {
    const name = await this.deps.store.findActiveName(id);
    if (name === null) return false;
    const at = this.deps.now();
    return this.deps.store.revoke(id, at, {
      actor,
      action: "operator_key.revoke",
      targetId: id,
      before: { name, revokedAt: null },
      after: { name, revokedAt: at.toISOString() },
    });
  }
}
