// One audit entry's change, readable: each field with its value before and after side by side, changed fields
// in bold (a field only in `before` is struck through). Used by the audit log and the payment page. A list of
// field groups (dt, then a dd per side, each side named for screen readers) rather than a nested table, so the
// list's own rows stay the page's only <tbody>.
import { auditFieldRows, fieldLabel } from "../../lib/audit-diff";

export function AuditChange({ before, after }: { before: unknown; after: unknown }) {
  const rows = auditFieldRows(before, after);
  if (rows.length === 0) return <span className="muted">No details</span>;
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  const columns = `changes changes-${1 + (hasBefore ? 1 : 0) + (hasAfter ? 1 : 0)}`;
  return (
    <div className={columns}>
      <div className="changes-head" aria-hidden="true">
        <span>Field</span>
        {hasBefore ? <span>Before</span> : null}
        {hasAfter ? <span>After</span> : null}
      </div>
      <dl className="changes-list">
        {rows.map((row) => (
          <div
            key={row.field}
            className={hasBefore && hasAfter && row.changed ? "change-row changed" : "change-row"}
          >
            <dt className="change-field">{fieldLabel(row.field)}</dt>
            {hasBefore ? (
              <dd className={hasAfter && row.after === null ? "change-value gone" : "change-value"}>
                <span className="visually-hidden">before: </span>
                {row.before ?? "—"}
              </dd>
            ) : null}
            {hasAfter ? (
              <dd className="change-value">
                <span className="visually-hidden">after: </span>
                {row.after ?? "—"}
              </dd>
            ) : null}
          </div>
        ))}
      </dl>
    </div>
  );
}
