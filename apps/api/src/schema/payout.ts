// Balances' movements, payout destinations and payouts (issue 18, part 1): the balanceTransactions connection
// (Stripe's balance transactions: every movement of the merchant's balance once, summing to it), bank accounts
// (IBAN or US routing + account number; only the last four digits and the bank's name are ever shown), and
// payouts with their lifecycle. Every write goes through the core's PayoutCommands.
import { parseId } from "@paycore/core/ids/ids";
import { BANK_ACCOUNT_STATUSES } from "@paycore/core/payouts/bank-account-state-machine";
import { MICRO_DEPOSIT_ATTEMPTS_MAX } from "@paycore/core/payouts/micro-deposits";
import { PAYOUT_INTERVALS, SCHEDULE_DELAY_DAYS_MAX } from "@paycore/core/payouts/payout-schedule";
import { PAYOUT_STATUSES } from "@paycore/core/payouts/payout-state-machine";
import type {
  BankAccountRecord,
  PayoutRecord,
  PayoutSchedule as PayoutScheduleRecord,
  ReservePolicyRecord,
} from "@paycore/core/ports/payout-store";
import {
  BALANCE_TRANSACTION_TYPES,
  type BalanceTransactionRecord,
  type PageRequest,
} from "@paycore/db/repositories/payout.repository";
import { GraphQLError } from "graphql";
import { requireSecretKey, requireSecretKeyActor } from "../context";
import { builder } from "./builder";
import { connectionOf, pageRequest } from "./connection";
import { Node } from "./node-interface";
import { PageInfo } from "./payment";
import { runMutation, UserError, type UserErrorShape } from "./user-error";

export const BALANCE_TRANSACTIONS_PAGE_MAX = 100;
const PAGE_DEFAULT = 20;
export const PAYOUTS_PAGE_MAX = 100;

const BalanceTransactionType = builder.enumType("BalanceTransactionType", {
  values: BALANCE_TRANSACTION_TYPES.map((type) => type.toUpperCase()) as unknown as readonly [
    string,
    ...string[],
  ],
});
const PayoutStatus = builder.enumType("PayoutStatus", { values: PAYOUT_STATUSES });
const BankRail = builder.enumType("BankRail", {
  values: ["SEPA", "ACH"] as const,
  description: "SEPA: an IBAN, EUR. ACH: a US routing and account number, USD.",
});
const BankAccountStatus = builder.enumType("BankAccountStatus", {
  values: BANK_ACCOUNT_STATUSES,
  description:
    "PENDING_VERIFICATION: waiting for the merchant to confirm two micro-deposits (verifyBankAccount). VERIFIED: payouts may go to it. VERIFICATION_FAILED: refused by the bank's check or locked after too many wrong confirmations.",
});
const BankAccountVerificationMethod = builder.enumType("BankAccountVerificationMethod", {
  values: ["INSTANT", "MICRO_DEPOSITS"] as const,
  description:
    "INSTANT: the bank checks the account at once (the sandbox's instant verification). MICRO_DEPOSITS: two small credits (1 to 99 minor units) are sent; the merchant confirms both amounts.",
});

const BalanceTransaction = builder.objectRef<BalanceTransactionRecord>("BalanceTransaction").implement({
  description:
    "One movement of the merchant's balance (available + pending + reserved), Stripe's model: the sum of all of them is the balance.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The ledger journal entry's id." }),
    type: t.field({ type: BalanceTransactionType, resolve: (b) => b.type.toUpperCase() }),
    amount: t.field({
      type: "SignedMinorUnits",
      description: "Gross: net + fee. Negative for refunds, disputes, payouts.",
      resolve: (b) => b.amountMinor,
    }),
    fee: t.field({
      type: "SignedMinorUnits",
      description: "Our fee in this movement.",
      resolve: (b) => b.feeMinor,
    }),
    net: t.field({
      type: "SignedMinorUnits",
      description: "What the movement changed the balance by.",
      resolve: (b) => b.netMinor,
    }),
    currency: t.field({ type: "CurrencyCode", resolve: (b) => b.currency }),
    source: t.id({
      nullable: true,
      description: "The payment, refund, dispute or payout it belongs to.",
      resolve: (b) => b.sourceId,
    }),
    availableOn: t.field({
      type: "DateTime",
      description:
        "When the funds are (or were) available: a capture's PSP settlement delay; otherwise its time.",
      resolve: (b) => b.availableOn,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (b) => b.createdAt }),
  }),
});

interface BalanceTransactionEdgeShape {
  cursor: string;
  node: BalanceTransactionRecord;
}

const BalanceTransactionEdge = builder
  .objectRef<BalanceTransactionEdgeShape>("BalanceTransactionEdge")
  .implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.field({ type: BalanceTransaction, resolve: (e) => e.node }),
    }),
  });

const BalanceTransactionConnection = builder
  .objectRef<{
    edges: BalanceTransactionEdgeShape[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  }>("BalanceTransactionConnection")
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [BalanceTransactionEdge],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges,
      }),
      nodes: t.field({
        type: [BalanceTransaction],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges.map((e) => e.node),
      }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    }),
  });

const BalanceTransactionFilter = builder.inputType("BalanceTransactionFilter", {
  fields: (t) => ({
    type: t.field({ type: BalanceTransactionType, required: false }),
    payoutId: t.id({
      required: false,
      description: "The movements an automatic (scheduled) payout settled: they sum to its amount.",
    }),
    createdAfter: t.field({ type: "DateTime", required: false }),
    createdBefore: t.field({ type: "DateTime", required: false }),
  }),
});

function invalid(message: string, field: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "INVALID_INPUT", field } });
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor.slice(0, 200), "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  if (!id || Number.isNaN(date.getTime()) || parseId("journalEntry", id) === null)
    throw invalid("The cursor is not valid.", ["after"]);
  return { createdAt: date, id };
}

builder.queryField("balanceTransactions", (t) =>
  t.field({
    type: BalanceTransactionConnection,
    description: `The movements of the merchant's balance, newest first. At most ${BALANCE_TRANSACTIONS_PAGE_MAX} per page: \`first\` (with \`after\`) pages forward, \`last\` (with \`before\`) backward, never both.`,
    complexity: (args) => ({ field: 1, multiplier: Math.max(args.last ?? args.first ?? PAGE_DEFAULT, 0) }),
    args: {
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
      last: t.arg.int({ required: false }),
      before: t.arg.string({ required: false }),
      filter: t.arg({ type: BalanceTransactionFilter, required: false }),
    },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const page: PageRequest = pageRequest(args, {
        sizeDefault: PAGE_DEFAULT,
        sizeMax: BALANCE_TRANSACTIONS_PAGE_MAX,
        decodeCursor,
      });
      const payoutId = args.filter?.payoutId ?? null;
      if (payoutId !== null && parseId("payout", String(payoutId)) === null)
        throw invalid("filter.payoutId is not a payout id.", ["filter", "payoutId"]);
      const found = await context.services.payoutReads.balanceTransactions(
        actor,
        {
          type: (args.filter?.type?.toLowerCase() ?? null) as BalanceTransactionRecord["type"] | null,
          payoutId: payoutId === null ? null : String(payoutId),
          createdAfter: args.filter?.createdAfter ?? null,
          createdBefore: args.filter?.createdBefore ?? null,
        },
        page,
      );
      return connectionOf(page, found.rows, found.hasMore);
    },
  }),
);

// ---- bank accounts ---------------------------------------------------------------------------------------------

export const BankAccount = builder.objectRef<BankAccountRecord>("BankAccount").implement({
  description:
    "A payout destination. The account number is stored encrypted and never shown: only its last four.",
  interfaces: [Node],
  fields: (t) => ({
    id: t.exposeID("id"),
    rail: t.field({ type: BankRail, resolve: (a) => a.rail }),
    country: t.exposeString("country"),
    currency: t.field({ type: "CurrencyCode", resolve: (a) => a.currency }),
    holderName: t.exposeString("holderName"),
    bankName: t.exposeString("bankName"),
    last4: t.exposeString("last4"),
    routingNumber: t.exposeString("routingNumber", { nullable: true, description: "ACH only (public)." }),
    status: t.field({ type: BankAccountStatus, resolve: (a) => a.status }),
    verifiedAt: t.field({ type: "DateTime", nullable: true, resolve: (a) => a.verifiedAt }),
    createdAt: t.field({ type: "DateTime", resolve: (a) => a.createdAt }),
    verificationMethod: t.field({
      type: BankAccountVerificationMethod,
      resolve: (a) => a.verificationMethod,
    }),
    microDepositsSentAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the bank accepted the two micro-deposits (MICRO_DEPOSITS only).",
      resolve: (a) => a.microDepositsSentAt,
    }),
    verificationAttemptsRemaining: t.int({
      description: `Wrong confirmations left before the account is locked (at most ${MICRO_DEPOSIT_ATTEMPTS_MAX}).`,
      resolve: (a) =>
        a.verificationMethod === "MICRO_DEPOSITS" && a.status === "PENDING_VERIFICATION"
          ? Math.max(MICRO_DEPOSIT_ATTEMPTS_MAX - a.verificationAttempts, 0)
          : 0,
    }),
  }),
});

const AddBankAccountInput = builder.inputType("AddBankAccountInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per account (at most 255 characters); a retry with it replays the answer.",
    }),
    iban: t.string({ required: false, description: "SEPA (EUR): the IBAN, spaces allowed." }),
    routingNumber: t.string({ required: false, description: "ACH (USD): the 9-digit ABA routing number." }),
    accountNumber: t.string({ required: false, description: "ACH (USD): 4 to 17 digits." }),
    holderName: t.string({ required: true, description: "1 to 140 characters." }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    verificationMethod: t.field({
      type: BankAccountVerificationMethod,
      required: false,
      description: "Default INSTANT.",
    }),
  }),
});

interface BankAccountPayloadShape {
  bankAccount: BankAccountRecord | null;
  errors: UserErrorShape[];
}

const BankAccountPayload = builder.objectRef<BankAccountPayloadShape>("BankAccountPayload").implement({
  fields: (t) => ({
    bankAccount: t.field({ type: BankAccount, nullable: true, resolve: (p) => p.bankAccount }),
    errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
  }),
});

builder.mutationField("addBankAccount", (t) =>
  t.field({
    type: BankAccountPayload,
    description:
      "Registers a payout destination and verifies it: with the bank at once (INSTANT, the sandbox's instant verification), or by two micro-deposits the merchant then confirms with verifyBankAccount (MICRO_DEPOSITS). A payout needs a VERIFIED account.",
    args: { input: t.arg({ type: AddBankAccountInput, required: true }) },
    resolve: (_root, { input }, context) =>
      runMutation(
        context,
        () =>
          context.services.payouts.addBankAccountIdempotent(
            requireSecretKeyActor(context),
            input.idempotencyKey,
            {
              iban: input.iban ?? null,
              routingNumber: input.routingNumber ?? null,
              accountNumber: input.accountNumber ?? null,
              holderName: input.holderName,
              currency: input.currency,
              ...(input.verificationMethod ? { verificationMethod: input.verificationMethod } : {}),
            },
          ),
        (bankAccount, errors) => ({ bankAccount, errors }),
      ),
  }),
);

const VerifyBankAccountInput = builder.inputType("VerifyBankAccountInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per attempt (at most 255 characters); a retry with it replays the answer.",
    }),
    bankAccountId: t.id({ required: true }),
    amounts: t.field({
      type: ["MinorUnits"],
      required: true,
      description:
        "The two micro-deposits as they appear on the account's statement, in minor units, any order.",
    }),
  }),
});

builder.mutationField("verifyBankAccount", (t) =>
  t.field({
    type: BankAccountPayload,
    description: `Confirms the two micro-deposits of a PENDING_VERIFICATION account: right, it is VERIFIED; wrong, MICRO_DEPOSITS_MISMATCH, and after ${MICRO_DEPOSIT_ATTEMPTS_MAX} wrong attempts BANK_ACCOUNT_VERIFICATION_LOCKED (the account is VERIFICATION_FAILED for good).`,
    args: { input: t.arg({ type: VerifyBankAccountInput, required: true }) },
    resolve: (_root, { input }, context) =>
      runMutation(
        context,
        () =>
          context.services.payouts.verifyBankAccountIdempotent(
            requireSecretKeyActor(context),
            input.idempotencyKey,
            {
              bankAccountId: String(input.bankAccountId),
              amounts: input.amounts.slice(0, 3),
            },
          ),
        (bankAccount, errors) => ({ bankAccount, errors }),
      ),
  }),
);

builder.queryField("bankAccounts", (t) =>
  t.field({
    type: [BankAccount],
    description: "The merchant's payout destinations in this mode, newest first (at most 100).",
    resolve: (_root, _args, context) => context.services.payoutReads.bankAccounts(requireSecretKey(context)),
  }),
);

// ---- payouts ---------------------------------------------------------------------------------------------------

const PayoutMethod = builder.enumType("PayoutMethod", { values: ["MANUAL", "SCHEDULED", "RETRY"] as const });

export const Payout = builder.objectRef<PayoutRecord>("Payout").implement({
  description:
    "Money sent from the available balance to a bank account: PENDING → IN_TRANSIT → PAID, or FAILED / CANCELED; RETURNED after PAID.",
  interfaces: [Node],
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: PayoutStatus, resolve: (p) => p.status }),
    amount: t.field({ type: "MinorUnits", resolve: (p) => p.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (p) => p.currency }),
    method: t.field({ type: PayoutMethod, resolve: (p) => p.method }),
    bankAccount: t.field({
      type: BankAccount,
      nullable: true,
      resolve: (p, _args, context) =>
        context.services.payoutReads.bankAccount({ merchantId: p.merchantId, mode: p.mode }, p.bankAccountId),
    }),
    failureCode: t.exposeString("failureCode", {
      nullable: true,
      description: "account_closed, account_invalid, account_frozen, …",
    }),
    retryOf: t.exposeID("retryOf", { nullable: true, description: "The failed payout this one retries." }),
    createdAt: t.field({ type: "DateTime", resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (p) => p.updatedAt }),
  }),
});

interface PayoutPayloadShape {
  payout: PayoutRecord | null;
  errors: UserErrorShape[];
}

const PayoutPayload = builder.objectRef<PayoutPayloadShape>("PayoutPayload").implement({
  fields: (t) => ({
    payout: t.field({ type: Payout, nullable: true, resolve: (p) => p.payout }),
    errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
  }),
});

const CreatePayoutInput = builder.inputType("CreatePayoutInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per payout (at most 255 characters); a retry with it replays the answer.",
    }),
    amount: t.field({ type: "MinorUnits", required: true }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    bankAccountId: t.id({
      required: false,
      description: "Default: the newest verified account in the currency.",
    }),
  }),
});

builder.mutationField("createPayout", (t) =>
  t.field({
    type: PayoutPayload,
    description:
      "Pays out of the available balance: never more than it, never while it is negative or payouts are paused.",
    args: { input: t.arg({ type: CreatePayoutInput, required: true }) },
    resolve: (_root, { input }, context) =>
      runMutation(
        context,
        () =>
          context.services.payouts.createPayout(requireSecretKeyActor(context), {
            idempotencyKey: input.idempotencyKey,
            amount: input.amount,
            currency: input.currency,
            bankAccountId: input.bankAccountId == null ? null : String(input.bankAccountId),
          }),
        (payout, errors) => ({ payout, errors }),
      ),
  }),
);

const CancelPayoutInput = builder.inputType("CancelPayoutInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per change (at most 255 characters); a retry with it replays the answer.",
    }),
    payoutId: t.id({ required: true }),
  }),
});

builder.mutationField("cancelPayout", (t) =>
  t.field({
    type: PayoutPayload,
    description: "Cancels a payout not yet sent to the bank; its amount returns to the available balance.",
    args: { input: t.arg({ type: CancelPayoutInput, required: true }) },
    resolve: (_root, { input }, context) =>
      runMutation(
        context,
        () =>
          context.services.payouts.cancelPayoutIdempotent(
            requireSecretKeyActor(context),
            input.idempotencyKey,
            String(input.payoutId),
          ),
        (payout, errors) => ({ payout, errors }),
      ),
  }),
);

builder.queryField("payout", (t) =>
  t.field({
    type: Payout,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      const id = String(args.id);
      if (parseId("payout", id) === null) return null;
      return context.services.payoutReads.payout(requireSecretKey(context), id);
    },
  }),
);

const PayoutConnection = builder
  .objectRef<{ nodes: PayoutRecord[]; hasNextPage: boolean; endCursor: string | null }>("PayoutConnection")
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [Payout], complexity: { field: 1, multiplier: 1 }, resolve: (c) => c.nodes }),
      hasNextPage: t.exposeBoolean("hasNextPage"),
      endCursor: t.exposeString("endCursor", {
        nullable: true,
        description: "Pass as `after` (a payout id).",
      }),
    }),
  });

builder.queryField("payouts", (t) =>
  t.field({
    type: PayoutConnection,
    description: `Payouts, newest first. At most ${PAYOUTS_PAGE_MAX} per page.`,
    complexity: (args) => ({ field: 1, multiplier: Math.max(args.first ?? PAGE_DEFAULT, 0) }),
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_DEFAULT }),
      after: t.arg.id({ required: false }),
      status: t.arg({ type: PayoutStatus, required: false }),
    },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const first = args.first ?? PAGE_DEFAULT;
      if (first < 1 || first > PAYOUTS_PAGE_MAX)
        throw invalid(`first must be between 1 and ${PAYOUTS_PAGE_MAX}.`, ["first"]);
      const after = args.after == null ? null : String(args.after);
      if (after !== null && parseId("payout", after) === null)
        throw invalid("after is not a payout id.", ["after"]);
      const rows = await context.services.payoutReads.payouts(actor, {
        first: first + 1,
        before: after,
        status: args.status ?? null,
      });
      const nodes = rows.slice(0, first);
      return { nodes, hasNextPage: rows.length > first, endCursor: nodes.at(-1)?.id ?? null };
    },
  }),
);

// ---- payout schedules ------------------------------------------------------------------------------------------

const PayoutInterval = builder.enumType("PayoutInterval", { values: PAYOUT_INTERVALS });
const WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"] as const;
const Weekday = builder.enumType("Weekday", { values: WEEKDAYS });

const PayoutSchedule = builder.objectRef<PayoutScheduleRecord>("PayoutSchedule").implement({
  description:
    "Automatic payouts of one currency: at each run the whole available balance is paid out when it reaches the minimum (nothing when it is below, negative, or payouts are paused).",
  fields: (t) => ({
    currency: t.field({ type: "CurrencyCode", resolve: (s) => s.currency }),
    interval: t.field({ type: PayoutInterval, resolve: (s) => s.interval }),
    weeklyAnchor: t.field({
      type: Weekday,
      nullable: true,
      description: "The weekday of a WEEKLY schedule.",
      resolve: (s) => (s.interval === "WEEKLY" ? (WEEKDAYS[s.weeklyAnchor - 1] ?? null) : null),
    }),
    monthlyAnchor: t.int({
      nullable: true,
      description: "The day of a MONTHLY schedule (1-31; a shorter month runs on its last day).",
      resolve: (s) => (s.interval === "MONTHLY" ? s.monthlyAnchor : null),
    }),
    delayDays: t.exposeInt("delayDays", {
      description: "Days after the anchor day's midnight (UTC) it runs.",
    }),
    minimum: t.field({ type: "MinorUnits", resolve: (s) => s.minimumMinor }),
    nextRunAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "Null when the schedule is off (MANUAL).",
      resolve: (s) => s.nextRunAt,
    }),
  }),
});

builder.queryField("payoutSchedules", (t) =>
  t.field({
    type: [PayoutSchedule],
    description: "The merchant's automatic payouts in this mode, one per currency.",
    resolve: (_root, _args, context) => context.services.payoutReads.schedules(requireSecretKey(context)),
  }),
);

const SetPayoutScheduleInput = builder.inputType("SetPayoutScheduleInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per change (at most 255 characters); a retry with it replays the answer.",
    }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    interval: t.field({ type: PayoutInterval, required: true }),
    weeklyAnchor: t.field({ type: Weekday, required: false, description: "WEEKLY only; default MONDAY." }),
    monthlyAnchor: t.int({ required: false, description: "MONTHLY only: 1-31; default 1." }),
    delayDays: t.int({ required: false, description: `0 to ${SCHEDULE_DELAY_DAYS_MAX}; default 0.` }),
    minimum: t.field({
      type: "MinorUnits",
      required: false,
      description: "In minor units of the currency; default 0.",
    }),
  }),
});

interface PayoutSchedulePayloadShape {
  schedule: PayoutScheduleRecord | null;
  errors: UserErrorShape[];
}

const PayoutSchedulePayload = builder
  .objectRef<PayoutSchedulePayloadShape>("PayoutSchedulePayload")
  .implement({
    fields: (t) => ({
      schedule: t.field({ type: PayoutSchedule, nullable: true, resolve: (p) => p.schedule }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("setPayoutSchedule", (t) =>
  t.field({
    type: PayoutSchedulePayload,
    description: "Sets (or replaces) the automatic payouts of a currency; audited.",
    args: { input: t.arg({ type: SetPayoutScheduleInput, required: true }) },
    resolve: (_root, { input }, context) =>
      runMutation(
        context,
        () =>
          context.services.payouts.setScheduleIdempotent(
            requireSecretKeyActor(context),
            input.idempotencyKey,
            {
              currency: input.currency,
              interval: input.interval,
              weeklyAnchor: input.weeklyAnchor ? WEEKDAYS.indexOf(input.weeklyAnchor) + 1 : null,
              monthlyAnchor: input.monthlyAnchor ?? null,
              delayDays: input.delayDays ?? 0,
              minimum: input.minimum ?? 0n,
            },
          ),
        (schedule, errors) => ({ schedule, errors }),
      ),
  }),
);

// ---- reserves (set by operators, read by merchants) -------------------------------------------------------------

const Reserve = builder.objectRef<ReservePolicyRecord>("Reserve").implement({
  description:
    "Funds held back from the available balance (the balance's reserved part), set by the platform: a rolling share of each released capture for some days, and a fixed amount.",
  fields: (t) => ({
    currency: t.field({ type: "CurrencyCode", resolve: (r) => r.currency }),
    rollingBps: t.exposeInt("rollingBps", { description: "Basis points of each released capture held." }),
    rollingDays: t.exposeInt("rollingDays", { description: "Days each rolling hold is kept." }),
    fixed: t.field({ type: "MinorUnits", description: "The fixed reserve.", resolve: (r) => r.fixedMinor }),
  }),
});

builder.queryField("reserves", (t) =>
  t.field({
    type: [Reserve],
    description: "The reserves applied to the merchant in this mode, one per currency.",
    resolve: (_root, _args, context) =>
      context.services.payoutReads.reservePolicies(requireSecretKey(context)),
  }),
);
