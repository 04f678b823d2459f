// Dead letters: PSP events that could not be applied, open first, with why, when first and last seen and how often;
// how many letters the state holds; the list in its state exports as CSV.
import type { Metadata } from "next";
import Link from "next/link";
import { CSV_EXPORT_MAX_ROWS } from "../../../server/export/export-limits";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";
import { ResultCount } from "../result-count";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Dead letters" };

const STATES = ["OPEN", "REPLAYED", "DISMISSED", "ALL"] as const;
type State = (typeof STATES)[number];

export default async function DeadLettersPage({
  searchParams,
}: {
  searchParams: Promise<{ state?: string; before?: string }>;
}) {
  const params = await searchParams;
  const state: State = STATES.includes(params.state as State) ? (params.state as State) : "OPEN";
  const before = params.before && /^\d{1,19}$/.test(params.before) ? params.before : null;
  const page = await (await serverCaller()).deadLetters
    .list({ state, before, first: 50 })
    .catch(handleProcedureError);
  return (
    <>
      <h1>Dead letters</h1>
      <p className="muted">
        PSP events we could not apply. Fix the cause, then replay one from its page; dismiss one that needs no
        replay, with a note. Both are audited.
      </p>
      <nav aria-label="Dead letter state" className="row">
        {STATES.map((s) => (
          <Link key={s} href={`/dead-letters?state=${s}`} aria-current={s === state ? "page" : undefined}>
            {s === "ALL" ? "All" : s.charAt(0) + s.slice(1).toLowerCase()}
          </Link>
        ))}
      </nav>
      <div className="list-header">
        <ResultCount
          count={page.count}
          capped={page.countCapped}
          singular={state === "ALL" ? "dead letter" : `${state.toLowerCase()} dead letter`}
          plural={state === "ALL" ? "dead letters" : `${state.toLowerCase()} dead letters`}
          qualifier={state === "ALL" ? " in all" : ""}
        />
        <p>
          <a href={`/dead-letters/export?state=${state}`} download>
            Export CSV
          </a>{" "}
          <span className="muted small">(up to {CSV_EXPORT_MAX_ROWS.toLocaleString("en-US")} rows)</span>
        </p>
      </div>
      {page.letters.length === 0 ? <p className="muted">No dead letters here.</p> : null}
      {page.letters.length === 0 ? null : (
        <div className="scroll-x">
          <table data-testid="dead-letters" className="responsive">
            <thead>
              <tr>
                <th scope="col">Letter</th>
                <th scope="col">Reason</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col" className="amount">
                  Seen
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {page.letters.map((letter) => (
                <tr key={letter.id}>
                  <td data-label="Letter">
                    <Link href={`/dead-letters/${letter.id}`}>#{letter.id}</Link>
                    <div className="muted mono">
                      {letter.source} {letter.reference ?? ""}
                    </div>
                  </td>
                  <td data-label="Reason">{letter.reason}</td>
                  <td data-label="First seen">
                    <DateTime iso={letter.firstSeenAt} />
                  </td>
                  <td data-label="Last seen">
                    <DateTime iso={letter.lastSeenAt} />
                  </td>
                  <td className="amount" data-label="Seen">
                    {letter.seenCount}
                  </td>
                  <td data-label="State">{letter.state.toLowerCase()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.nextBefore ? (
        <p>
          <Link href={`/dead-letters?state=${state}&before=${page.nextBefore}`}>Older letters</Link>
        </p>
      ) : null}
    </>
  );
}
