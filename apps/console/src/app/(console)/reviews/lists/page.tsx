// The fraud deny and allow lists: what the scorer blocks or trusts outright.
import type { Metadata } from "next";
import { one, readerOf, type SearchParams } from "../../../../lib/list-params";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";
import { AddListEntryForm, RemoveListEntryButton } from "./list-entry-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Deny and allow lists" };

const KINDS = ["EMAIL", "IP", "BIN", "FINGERPRINT"] as const;

/** A link may prefill the form (the payment page's "Add this card to the deny list"): nothing is added until submitted. */
function prefillOf(params: SearchParams) {
  const read = readerOf(params);
  const kind = one(read, "kind");
  const list = one(read, "list");
  return {
    list: list === "ALLOW" ? ("ALLOW" as const) : ("DENY" as const),
    kind: (KINDS as readonly string[]).includes(kind) ? (kind as (typeof KINDS)[number]) : ("EMAIL" as const),
    value: one(read, "value").slice(0, 320),
    merchantId: one(read, "merchant").slice(0, 64),
  };
}

export default async function RiskListsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const me = await requireOperator();
  const prefill = prefillOf(await searchParams);
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
            initial={prefill}
          />
        </section>
      ) : null}
      <table className="responsive">
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
              <td data-label="List">
                <span className={`status status-${entry.list === "DENY" ? "DECLINED" : "CAPTURED"}`}>
                  {entry.list.toLowerCase()}
                </span>
              </td>
              <td data-label="Kind">{entry.kind.toLowerCase()}</td>
              <td className="mono" data-label="Value">
                {entry.value}
              </td>
              <td data-label="Merchant">
                {entry.merchantId
                  ? (merchantName.get(entry.merchantId) ?? entry.merchantId)
                  : "all merchants"}
              </td>
              <td data-label="Note">{entry.note ?? "—"}</td>
              <td data-label="Added">
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
