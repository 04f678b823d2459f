// Signed requests (issue 22), read side for the console: whether a merchant requires signatures, and the hint of
// each of its secret keys' signing secrets (never the secret).
import type { DatabaseClient } from "../client";

export interface RequestSigningView {
  required: boolean;
  /** Active secret keys, newest first (bounded), with their signing secret's hint or null. */
  keys: Array<{
    apiKeyId: string;
    displayHint: string;
    mode: "TEST" | "LIVE";
    signingSecretHint: string | null;
  }>;
}

const KEYS_MAX = 100;

export class RequestSigningRepository {
  constructor(private readonly db: DatabaseClient) {}

  async viewOf(merchantId: string): Promise<RequestSigningView | null> {
    const merchant = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: {
        requestSigning: { select: { required: true } },
        apiKeys: {
          where: { kind: "SECRET", revokedAt: null },
          orderBy: { createdAt: "desc" },
          take: KEYS_MAX,
          select: { id: true, displayHint: true, mode: true, signingSecret: { select: { hint: true } } },
        },
      },
    });
    if (merchant === null) return null;
    return {
      required: merchant.requestSigning?.required ?? false,
      keys: merchant.apiKeys.map((key) => ({
        apiKeyId: key.id,
        displayHint: key.displayHint,
        mode: key.mode,
        signingSecretHint: key.signingSecret?.hint ?? null,
      })),
    };
  }
}
