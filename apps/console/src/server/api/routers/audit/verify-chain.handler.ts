// Recomputes the tamper-evidence hash chains of the journal and of this audit log, and records that an admin
// ran the check and what it found. A mutation, not a query: it is an audited operator action, and a full
// recompute is too costly to run on every page load.

import { CHAIN_STREAMS } from "@paycore/core/ledger/hash-chain";
import { type ChainReport, verifyChains } from "@paycore/platform/chain-verify";
import { recordAuditEvent } from "../../../audit";
import type { SignedInContext } from "../../trpc";

export async function verifyChainHandler({
  ctx,
}: {
  ctx: SignedInContext;
}): Promise<{ reports: ChainReport[] }> {
  const reports = await verifyChains(ctx.services.chains, CHAIN_STREAMS);
  const outcome = (report: ChainReport) =>
    report.ok
      ? `ok: ${report.sealedCount} sealed, head ${report.headHash}`
      : `${report.firstBreak?.kind} at seal ${report.firstBreak?.seq ?? "-"}, row ${report.firstBreak?.rowId ?? "-"}`;
  await recordAuditEvent(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "chain.verify",
    targetType: "chain",
    targetId: null,
    after: Object.fromEntries(reports.map((report) => [report.stream, outcome(report)])),
  });
  return { reports };
}
