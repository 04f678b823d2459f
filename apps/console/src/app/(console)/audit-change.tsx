// One audit entry's change, readable: field, before and after side by side, changed fields in bold (a field
// only in `before` is struck through). Used by the audit log and the payment page. A grid with ARIA table
// roles rather than a nested <table>, so the list's own rows stay the page's only <tbody>.
import { auditFieldRows, fieldLabel } from "../../lib/audit-diff";

export function AuditChange({ before, after }: { before: unknown; after: unknown }) {
  const rows = auditFieldRows(before, after);
  if (rows.length === 0) return <span className="muted">No details</span>;
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  const columns = 1 + (hasBefore ? 1 : 0) + (hasAfter ? 1 : 0);
  return (
    <div className={`changes changes-${columns}`} role="table" aria-label="Change">
      <div role="row" className="changes-head">
        <span role="columnheader">Field</span>
        {hasBefore ? <span role="columnheader">Before</span> : null}
        {hasAfter ? <span role="columnheader">After</span> : null}
      </div>
      {rows.map((row) => (
        <div role="row" key={row.field} className={hasBefore && hasAfter && row.changed ? "changed" : undefined}>
          <span role="rowheader">{fieldLabel(row.field)}</span>
          {hasBefore ? (
            <span role="cell" className={hasAfter && row.after === null ? "gone" : undefined}>
              {row.before ?? "—"}
            </span>
          ) : null}
          {hasAfter ? <span role="cell">{row.after ?? "—"}</span> : null}
        </div>
      ))}
    </div>
  );
}
