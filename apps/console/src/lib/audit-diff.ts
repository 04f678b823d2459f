// An audit entry's before and after snapshots as rows of one table: each field once, its value before and
// after side by side, changed fields marked. Snapshots are flat records of strings, numbers, booleans and
// nulls (server/audit.ts); anything nested is shown as compact JSON.

export interface AuditFieldRow {
  field: string;
  /** null: the field is not in that snapshot. */
  before: string | null;
  after: string | null;
  changed: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  if (value === null) return "none";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

/** Fields in the order they first appear (before's, then after's new ones). */
export function auditFieldRows(before: unknown, after: unknown): AuditFieldRow[] {
  const from = record(before);
  const to = record(after);
  const fields = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  return fields.map((field) => {
    const had = Object.hasOwn(from, field);
    const has = Object.hasOwn(to, field);
    const beforeText = had ? text(from[field]) : null;
    const afterText = has ? text(to[field]) : null;
    return { field, before: beforeText, after: afterText, changed: beforeText !== afterText };
  });
}

/** "amountRefundedMinor" → "amount refunded minor"; "refund_status" → "refund status". */
export function fieldLabel(field: string): string {
  return field
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
}
