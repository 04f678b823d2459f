// Why a payment was declined or failed, for the payments list: the PSP's decline and failure codes in words.
// Unknown codes are shown as they are, underscores as spaces (a new PSP code is still readable).

const REASONS: Record<string, string> = {
  card_declined: "Declined by the issuer",
  insufficient_funds: "Insufficient funds",
  expired_card: "Card expired",
  incorrect_cvc: "Wrong CVC",
  lost_card: "Card reported lost",
  stolen_card: "Card reported stolen",
  fraudulent: "Declined as fraudulent",
  processing_error: "PSP processing error",
  psp_unavailable: "No PSP could be reached",
  fraud_suspected: "Declined by our fraud rules",
  authentication_failed: "3-D Secure authentication failed",
  authentication_abandoned: "3-D Secure challenge not completed in time",
};

export function failureReasonText(code: string | null): string | null {
  if (!code) return null;
  return REASONS[code] ?? code.replace(/_/g, " ");
}
