// Checking the tamper-evidence chains: shared by `npm run cli -- ledger verify`
// / `audit verify` and the console's verify action, so both report alike.
import type { ChainStream, ChainVerification } from "@paycore/core/ledger/hash-chain";
import type { ChainRepository, ChainStatus } from "@paycore/db/repositories/chain.repository";

/** One stream's verification plus its sealing backlog, JSON-safe (bigints as digit strings). */
export interface ChainReport {
  stream: ChainStream;
  ok: boolean;
  sealedCount: string;
  /** The newest seal's hash when the chain verifies: record it elsewhere to anchor the chain. */
  headHash: string | null;
  /** Rows not yet sealed (recent rows, or rows held back by a long transaction): not covered yet. */
  unsealedRows: string;
  lagSeconds: number;
  firstBreak: { kind: string; seq: string | null; rowId: string | null; detail: string } | null;
}

export async function verifyChains(
  chains: Pick<ChainRepository, "verify" | "status">,
  streams: readonly ChainStream[],
): Promise<ChainReport[]> {
  const reports: ChainReport[] = [];
  for (const stream of streams) {
    const verification = await chains.verify(stream);
    const status = await chains.status(stream);
    reports.push(chainReport(verification, status));
  }
  return reports;
}

function chainReport(verification: ChainVerification, status: ChainStatus): ChainReport {
  return {
    stream: verification.stream,
    ok: verification.ok,
    sealedCount: verification.sealedCount.toString(),
    headHash: verification.ok ? verification.headHash : null,
    unsealedRows: status.unsealedRows.toString(),
    lagSeconds: status.oldestUnsealedAgeSeconds,
    firstBreak: verification.ok
      ? null
      : {
          kind: verification.firstBreak.kind,
          seq: verification.firstBreak.seq?.toString() ?? null,
          rowId: verification.firstBreak.rowId,
          detail: verification.firstBreak.detail,
        },
  };
}

/** One line per stream, for people: "OK …" or "BROKEN … at seal N, row X: KIND: detail". */
export function formatChainReport(report: ChainReport): string {
  const backlog = `${report.unsealedRows} not sealed yet (oldest ${report.lagSeconds} s)`;
  if (report.ok) {
    return `OK ${report.stream}: ${report.sealedCount} rows sealed, chain head ${report.headHash}; ${backlog}`;
  }
  const brk = report.firstBreak;
  const where = brk?.seq ? `seal ${brk.seq}` : "no seal";
  return `BROKEN ${report.stream}: first broken row at ${where}, row ${brk?.rowId ?? "-"}: ${brk?.kind}: ${brk?.detail} (${report.sealedCount} rows before it verify)`;
}
