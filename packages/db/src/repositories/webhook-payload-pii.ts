// Event snapshots are built in SQL from the objects' rows (webhook_object_snapshot), so an invoice's snapshot
// copies its customer e-mail as stored: sealed by the PII vault (issue 22). The readers of stored events (the
// delivery worker and the events feed) open it again for the merchant the event belongs to, so a merchant receives
// the address and the database keeps only the envelope. An erased or unreadable value reads as null.
import { PII_ENVELOPE_PREFIX, type PiiVault } from "@paycore/core/vault/pii-vault";

/** Snapshot fields that may hold a sealed e-mail. */
export const SEALED_EMAIL_FIELDS = ["customerEmail", "receiptEmail", "email"] as const;

function openObject(object: unknown, merchantId: string, pii: PiiVault): unknown {
  if (object === null || typeof object !== "object" || Array.isArray(object)) return object;
  const record = object as Record<string, unknown>;
  let opened: Record<string, unknown> | null = null;
  for (const field of SEALED_EMAIL_FIELDS) {
    const value = record[field];
    if (typeof value === "string" && value.startsWith(PII_ENVELOPE_PREFIX)) {
      opened ??= { ...record };
      opened[field] = pii.open("email", merchantId, value);
    }
  }
  return opened ?? object;
}

/** The stored event payload with any sealed e-mail in `data.object` or `data.previousAttributes` opened. */
export function openSealedPayload<T>(payload: T, merchantId: string, pii: PiiVault | null): T {
  if (pii === null || payload === null || typeof payload !== "object") return payload;
  const data = (payload as { data?: unknown }).data;
  if (data === null || typeof data !== "object") return payload;
  const { object, previousAttributes } = data as { object?: unknown; previousAttributes?: unknown };
  const openedObject = openObject(object, merchantId, pii);
  const openedPrevious = openObject(previousAttributes, merchantId, pii);
  if (openedObject === object && openedPrevious === previousAttributes) return payload;
  return {
    ...payload,
    data: { ...(data as object), object: openedObject, previousAttributes: openedPrevious },
  } as T;
}
