// Operators' API keys, read side: the API authenticates them by hash. Keys are issued and revoked through the
// core's OperatorKeyCommands (operator-key-store.repository.ts), audited in the same transaction.
import type { OperatorKeyId } from "@paycore/core/ids/ids";
import type { DatabaseClient } from "../client";

export interface AuthenticatedOperator {
  operatorKeyId: OperatorKeyId;
  name: string;
}

export class OperatorKeyRepository {
  constructor(private readonly db: DatabaseClient) {}

  async findActiveByHash(secretHash: string): Promise<AuthenticatedOperator | null> {
    const row = await this.db.operatorApiKey.findUnique({
      where: { secretHash },
      select: { id: true, name: true, revokedAt: true },
    });
    if (row === null || row.revokedAt !== null) return null;
    return { operatorKeyId: row.id as OperatorKeyId, name: row.name };
  }
}
