// One audit entry's change, readable: field, before and after side by side, changed fields in bold (a field
// only in `before` is struck through). Used by the audit log and the payment page.
import { auditFieldRows, fieldLabel } from "../../lib/audit-diff";

export function AuditChange({ before, after }: { before: unknown; after: unknown }) {
  const rows = auditFieldRows(before, after);
  if (rows.length === 0) return <span className="muted">No details</span>;
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  return (
    <table className="changes">
      <thead>
        <tr>
          <th scope="col">Field</th>
          {hasBefore ? <th scope="col">Before</th> : null}
          {hasAfter ? <th scope="col">After</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.field} className={hasBefore && hasAfter && row.changed ? "changed" : undefined}>
            <th scope="row">{fieldLabel(row.field)}</th>
            {hasBefore ? <td className={hasAfter && row.after === null ? "gone" : undefined}>{row.before ?? "—"}</td> : null}
            {hasAfter ? <td>{row.after ?? "—"}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
