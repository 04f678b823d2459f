// What an adapter answers when the PSP refuses our credentials, and what a connection check reports.
import type { PspOutcome } from "@paycore/core/psp/psp-port";

/** The code of a call the PSP refused for our credentials: nothing happened, and a retry will not help. */
export const CREDENTIALS_REJECTED = "psp_credentials_rejected";

export interface ConnectionCheck {
  ok: boolean;
  /** Why not, for operators (never a key). */
  error: string | null;
}

/** Merchants see this outcome: it says what happened without any of the PSP's words about the key. */
export function credentialsRejected(): PspOutcome {
  return {
    outcome: "failed",
    code: CREDENTIALS_REJECTED,
    message: "the PSP refused the platform's credentials; operators have been alerted",
    retryable: false,
  };
}
