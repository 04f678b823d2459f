// Goal: an audit entry's snapshots become one row per field with before and after side by side, changed
// fields marked, fields only on one side shown as absent there.
import { describe, expect, it } from "vitest";
import { auditFieldRows, fieldLabel } from "./audit-diff";

describe("auditFieldRows", () => {
  it("pairs fields and marks changes", () => {
    expect(
      auditFieldRows(
        { status: "CAPTURED", amountRefundedMinor: "0", note: null },
        { status: "PARTIALLY_REFUNDED", amountRefundedMinor: "3000", note: null, reason: "damaged" },
      ),
    ).toEqual([
      { field: "status", before: "CAPTURED", after: "PARTIALLY_REFUNDED", changed: true },
      { field: "amountRefundedMinor", before: "0", after: "3000", changed: true },
      { field: "note", before: "none", after: "none", changed: false },
      { field: "reason", before: null, after: "damaged", changed: true },
    ]);
  });

  it("handles a missing side and nested values", () => {
    expect(auditFieldRows(null, { enabled: true, tags: ["a"] })).toEqual([
      { field: "enabled", before: null, after: "true", changed: true },
      { field: "tags", before: null, after: '["a"]', changed: true },
    ]);
    expect(auditFieldRows(undefined, "not an object")).toEqual([]);
  });

  it("labels camelCase and snake_case fields in words", () => {
    expect(fieldLabel("amountRefundedMinor")).toBe("amount refunded minor");
    expect(fieldLabel("refund_status")).toBe("refund status");
  });
});
