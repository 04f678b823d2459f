// The fraud deny and allow lists: what the scorer blocks or trusts outright.
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";
import { AddListEntryForm, RemoveListEntryButton } from "./list-entry-forms";

export const dynamic = "force-dynamic";

export default async function RiskListsPage() {
  const me = await requireOperator();
  const caller = await serverCaller();
  const [entries, merchants] = await Promise.all([
    caller.riskLists.list().catch(handleProcedureError),
    caller.payments.merchants().catch(handleProcedureError),
  ]);
  const canEdit = me.role !== "VIEWER";
  const merchantName = new Map(merchants.map((merchant) => [merchant.id as string, merchant.name]));
  return (
    <>
      <h1>Deny and allow lists</h1>
      {canEdit ? (
        <section className="card" aria-labelledby="add-heading">
          <h2 id="add-heading">Add an entry</h2>
          <AddListEntryForm
            merchants={merchants.map((merchant) => ({ id: merchant.id, name: merchant.name }))}
          />
        </section>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">List</th>
            <th scope="col">Kind</th>
            <th scope="col">Value</th>
            <th scope="col">Merchant</th>
            <th scope="col">Note</th>
            <th scope="col">Added</th>
            {canEdit ? <th scope="col">Remove</th> : null}
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <span className={`status status-${entry.list === "DENY" ? "DECLINED" : "CAPTURED"}`}>
                  {entry.list.toLowerCase()}
                </span>
              </td>
              <td>{entry.kind.toLowerCase()}</td>
              <td className="mono">{entry.value}</td>
              <td>
                {entry.merchantId
                  ? (merchantName.get(entry.merchantId) ?? entry.merchantId)
                  : "all merchants"}
              </td>
              <td>{entry.note ?? "—"}</td>
              <td>
                <DateTime iso={entry.createdAt} />
                <div className="muted">{entry.createdBy}</div>
              </td>
              {canEdit ? (
                <td>
                  <RemoveListEntryButton id={entry.id} label={`${entry.list} ${entry.kind} ${entry.value}`} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 ? <p className="muted">Both lists are empty.</p> : null}
    </>
  );
}
