// Operators' API keys: stored as hashes, named in the audit trail.
import { newId, type OperatorKeyId } from "@paycore/core/ids/ids";
import { generateOperatorKey } from "@paycore/core/merchants/api-keys";
import type { DatabaseClient } from "../client";

export interface AuthenticatedOperator {
  operatorKeyId: OperatorKeyId;
  name: string;
}

export class OperatorKeyRepository {
  constructor(private readonly db: DatabaseClient) {}

  async create(name: string): Promise<{ id: OperatorKeyId; name: string; key: string }> {
    const generated = generateOperatorKey();
    const id = newId("operatorKey");
    await this.db.operatorApiKey.create({
      data: { id, name, secretHash: generated.secretHash, displayHint: generated.displayHint },
      select: { id: true },
    });
    return { id, name, key: generated.key };
  }

  async findActiveByHash(secretHash: string): Promise<AuthenticatedOperator | null> {
    const row = await this.db.operatorApiKey.findUnique({
      where: { secretHash },
      select: { id: true, name: true, revokedAt: true },
    });
    if (row === null || row.revokedAt !== null) return null;
    return { operatorKeyId: row.id as OperatorKeyId, name: row.name };
  }

  async revoke(id: string): Promise<boolean> {
    const { count } = await this.db.operatorApiKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }
}
