// Which merchant an API key belongs to: one indexed read, so it goes through
// node-postgres (../sql.ts). The API reads it through the key cache
// (../api-key-cache.ts), which keeps a key for 2 s and drops it when Postgres
// notifies a change of its row.
import type { ApiKeyId, MerchantId } from "@paycore/core/ids/ids";
import type { ApiKeyKind } from "@paycore/core/merchants/api-keys";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { Sql } from "../sql";

export interface AuthenticatedKey {
  apiKeyId: ApiKeyId;
  merchantId: MerchantId;
  kind: ApiKeyKind;
  mode: Mode;
  /** A publishable key's hosted card fields' parent origins (empty for a secret key). */
  allowedOrigins: string[];
}

const FIND_ACTIVE_BY_HASH = `
SELECT id AS "apiKeyId", merchant_id AS "merchantId", kind, mode, allowed_origins AS "allowedOrigins"
  FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`;

export class ApiKeyAuthRepository {
  constructor(private readonly sql: Sql) {}

  async findActiveKeyByHash(secretHash: string): Promise<AuthenticatedKey | null> {
    const [row] = await this.sql.query<AuthenticatedKey>(FIND_ACTIVE_BY_HASH, [secretHash]);
    return row ?? null;
  }
}
