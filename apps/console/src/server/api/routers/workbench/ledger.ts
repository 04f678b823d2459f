// The ledger in the workbench: the consistency check on demand (the same check the scheduled worker runs) and its
// latest run; manual adjustments between adjustable accounts with a reason (above the configured amount they wait
// for a second operator); the four-eyes requests waiting, approved or rejected by another operator. Every write is
// a core command that writes its audit row in its own transaction.
import { ADMIN_APPROVAL_KINDS, APPROVAL_REASON_LENGTH_MAX } from "@paycore/core/approvals/approval-commands";
import { CUSTOMER_ERASE_ACTION } from "@paycore/core/customers/customer-erasure-commands";
import { DomainError } from "@paycore/core/errors/domain-error";
import { ADJUSTABLE_ACCOUNTS } from "@paycore/core/ledger/ledger-adjustment";
import { parseCurrency } from "@paycore/core/money/currency";
import { z } from "zod";
import { decimalToMinor } from "../../../../lib/money";
import { operatorActor } from "../../actor";
import { freeText, plainText } from "../../text.schema";
import { procedureFor, router, type SignedInContext } from "../../trpc";

const reason = freeText({ multiline: true }).pipe(
  z.string().min(1, "Give a reason.").max(APPROVAL_REASON_LENGTH_MAX),
);

export const adjustSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  currency: plainText().length(3),
  debitAccount: z.enum(Object.keys(ADJUSTABLE_ACCOUNTS) as [keyof typeof ADJUSTABLE_ACCOUNTS]),
  creditAccount: z.enum(Object.keys(ADJUSTABLE_ACCOUNTS) as [keyof typeof ADJUSTABLE_ACCOUNTS]),
  /** Major units of the currency ("12.50"). */
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,18}(\.\d{1,6})?$/, "expected an amount like 12.50"),
  reason,
  /** Made when the form renders: a double submit posts one adjustment. */
  idempotencyKey: z.string().min(8).max(200),
});

const decideSchema = z.object({ id: plainText().min(1).max(64), note: reason });

async function overview({ ctx }: { ctx: SignedInContext }) {
  const services = ctx.services.app.services;
  const [latest, pending, adjustments] = await Promise.all([
    services.ledgerCheckRuns.latest(),
    services.workbenchQueries.pendingApprovals(null, 100),
    services.ledgerAdjustmentReads.recent(50),
  ]);
  return {
    accounts: Object.keys(ADJUSTABLE_ACCOUNTS),
    approvalAboveMajor: services.workbenchConfig.adjustmentApprovalAboveMajor.toString(),
    latestCheck: latest && {
      id: latest.id.toString(),
      trigger: latest.trigger,
      scope: latest.scope,
      chainSealsChecked: latest.chainSealsChecked.toString(),
      finishedAt: latest.finishedAt.toISOString(),
      ok: latest.ok,
      findings: latest.findings,
      requestedBy: latest.requestedBy,
    },
    pendingApprovals: pending.map((row) => ({
      id: row.id,
      kind: row.kind,
      targetId: row.targetId,
      amountMinor: row.amountMinor.toString(),
      currency: row.currency,
      reason: row.reason,
      requestedBy: row.requestedBy,
      createdAt: row.createdAt.toISOString(),
      // Only a second admin approves these (the core refuses anyone else): the page offers others Reject only.
      adminOnly: ADMIN_APPROVAL_KINDS.has(row.kind),
      summary:
        row.kind === CUSTOMER_ERASE_ACTION
          ? `erase a customer's personal data at merchant ${row.targetId} (no money moves)`
          : typeof row.payload.debitAccount === "string"
            ? `debit ${row.payload.debitAccount}, credit ${String(row.payload.creditAccount)} of merchant ${String(row.payload.merchantId)} (${String(row.payload.mode).toLowerCase()})`
            : row.targetId,
    })),
    adjustments: adjustments.map((row) => ({
      ...row,
      amountMinor: row.amountMinor.toString(),
      createdAt: row.createdAt.toISOString(),
    })),
  };
}

export const runCheckSchema = z.object({ full: z.boolean().default(false) }).default({ full: false });

async function runCheck({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof runCheckSchema> }) {
  const run = await ctx.services.app.services.ledgerCheck("console", ctx.session.operator.email, {
    full: input.full,
  });
  return {
    id: run.id.toString(),
    scope: run.scope,
    ok: run.ok,
    findings: run.findings,
    finishedAt: run.finishedAt.toISOString(),
  };
}

async function adjust({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof adjustSchema> }) {
  const currency = parseCurrency(input.currency);
  const amountMinor = currency ? decimalToMinor(input.amount, currency) : null;
  if (currency === null)
    throw new DomainError("CURRENCY_INVALID", "Not a supported currency.", { field: ["currency"] });
  if (amountMinor === null || amountMinor === 0n) {
    throw new DomainError("AMOUNT_INVALID", `${input.amount} is not an amount in ${currency}.`, {
      field: ["amount"],
    });
  }
  return ctx.services.app.services.ledgerAdjustments.adjust(operatorActor(ctx), {
    merchantId: input.merchantId,
    mode: input.mode,
    currency,
    debitAccount: input.debitAccount,
    creditAccount: input.creditAccount,
    amountMinor,
    reason: input.reason,
    requestKey: input.idempotencyKey,
  });
}

function decide(decision: "approve" | "reject") {
  return async ({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof decideSchema> }) => {
    const approvals = ctx.services.app.services.approvals;
    const decided =
      decision === "approve"
        ? await approvals.approve(
            operatorActor(ctx),
            input.id,
            input.note,
            // Some kinds (a large reserve, a customer's erasure) only a second admin approves; the core checks it
            // (APPROVAL_ADMIN_REQUIRED), whatever the page shows.
            ctx.session.operator.role === "ADMIN",
          )
        : await approvals.reject(operatorActor(ctx), input.id, input.note);
    return { id: decided.id, status: decided.status, decidedBy: decided.decidedBy };
  };
}

export const ledgerRouter = router({
  overview: procedureFor("VIEWER").query(overview),
  runCheck: procedureFor("OPERATOR").input(runCheckSchema).mutation(runCheck),
  adjust: procedureFor("OPERATOR").input(adjustSchema).mutation(adjust),
  approve: procedureFor("OPERATOR").input(decideSchema).mutation(decide("approve")),
  reject: procedureFor("OPERATOR").input(decideSchema).mutation(decide("reject")),
});
