// The operator audit log: every console action with who, what, when, and the target before and after.
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";
import { VerifyChainButton } from "./verify-chain-button";

export const dynamic = "force-dynamic";

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const me = await requireOperator();
  const params = await searchParams;
  const search = one(params, "q");
  const before = one(params, "before");
  const { entries, nextBefore } = await (await serverCaller()).audit
    .list({ search: search || null, before: /^\d+$/.test(before) ? before : null })
    .catch(handleProcedureError);
  const next = nextBefore
    ? `/audit?${new URLSearchParams({ ...(search ? { q: search } : {}), before: nextBefore })}`
    : null;
  return (
    <>
      <h1>Audit log</h1>
      {me.role === "ADMIN" ? <VerifyChainButton /> : null}
      <form className="filters card" method="get" action="/audit">
        <label className="field">
          Search
          <input
            name="q"
            type="search"
            defaultValue={search}
            placeholder="action (payment.refund), target id, operator email"
            size={48}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <DateTime iso={entry.createdAt} />
              </td>
              <td>{entry.operatorEmail ?? <span className="muted">—</span>}</td>
              <td className="mono">{entry.action}</td>
              <td className="mono">
                {entry.targetType}
                {entry.targetId ? (
                  <>
                    {" "}
                    {entry.targetType === "payment" ? (
                      <Link href={`/payments/${entry.targetId}`}>{entry.targetId}</Link>
                    ) : (
                      entry.targetId
                    )}
                  </>
                ) : null}
              </td>
              <td>
                {entry.before ? <pre className="json">{JSON.stringify(entry.before, null, 1)}</pre> : "—"}
              </td>
              <td>
                {entry.after ? <pre className="json">{JSON.stringify(entry.after, null, 1)}</pre> : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 ? <p className="muted">No entries.</p> : null}
      <nav className="pager" aria-label="Pages">
        {before ? (
          <Link href={search ? `/audit?q=${encodeURIComponent(search)}` : "/audit"}>Newest</Link>
        ) : null}
        {next ? <Link href={next}>Older</Link> : null}
      </nav>
    </>
  );
}
