// A PSP for unit tests of the payment use cases: it answers each call with the outcome the test scripted
// (a thrown error stands for a timeout) and records what it was asked. The SandboxPsp keeps a charge book and
// card rules; this one lets a table choose any outcome for any operation.
import type { Mode } from "../payments/payment-record";
import type { PspRouter } from "../ports/psp-router";
import type {
  AuthorizeRequest,
  ModificationQuery,
  ModifyRequest,
  PaymentServiceProvider,
  PspChargeStatus,
  PspOutcome,
} from "../psp/psp-port";
import type { RoutingDecision } from "../psp/routing";

export type ScriptedOperation = "authorize" | "capture" | "void" | "refund" | "lookupModification";

/** What the PSP answers: an outcome, or "throw" for a call that never returned (a timeout). */
export type ScriptedAnswer = PspOutcome | "throw";

export class ScriptedPsp implements PaymentServiceProvider {
  /** Every call, in order, with its request. */
  readonly calls: Array<{ operation: ScriptedOperation; request: unknown }> = [];
  private readonly answers = new Map<ScriptedOperation, ScriptedAnswer>();

  constructor(readonly name = "scripted") {}

  /** Sets the answer to every later call of `operation`. */
  answer(operation: ScriptedOperation, answer: ScriptedAnswer): this {
    this.answers.set(operation, answer);
    return this;
  }

  authorize(request: AuthorizeRequest) {
    return this.respond("authorize", request);
  }
  capture(request: ModifyRequest) {
    return this.respond("capture", request);
  }
  void(request: Omit<ModifyRequest, "amountMinor">) {
    return this.respond("void", request);
  }
  refund(request: ModifyRequest) {
    return this.respond("refund", request);
  }
  lookupModification(query: ModificationQuery) {
    return this.respond("lookupModification", query);
  }
  async status(): Promise<PspChargeStatus> {
    throw new Error("ScriptedPsp has no charge book");
  }

  count(operation: ScriptedOperation): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  private async respond(operation: ScriptedOperation, request: unknown): Promise<PspOutcome> {
    this.calls.push({ operation, request });
    const answer = this.answers.get(operation);
    if (answer === undefined) throw new Error(`ScriptedPsp: no answer scripted for ${operation}`);
    if (answer === "throw") throw new Error("timeout");
    return answer;
  }
}

/** Routes every authorization to the given PSPs in order, and finds them by name. */
export class ScriptedPspRouter implements PspRouter {
  readonly authorizations: Array<{ pspName: string; approved: boolean }> = [];
  /** PSPs routing leaves out as a real router would when their breaker is open. */
  readonly breakersOpen = new Set<string>();

  constructor(private readonly psps: PaymentServiceProvider[]) {}

  async routeAuthorization(_mode: Mode) {
    const candidates = this.psps.filter((psp) => !this.breakersOpen.has(psp.name));
    const decision: RoutingDecision = {
      candidates: candidates.map((psp) => psp.name),
      matchedRuleId: null,
      scores: {},
      breakers: {},
      explored: false,
      skipped: [...this.breakersOpen].map((name) => ({ name, reason: "breaker_open" as const })),
    };
    return { candidates, decision };
  }

  byName(_mode: Mode, name: string): PaymentServiceProvider | null {
    return this.psps.find((psp) => psp.name === name) ?? null;
  }

  recordAuthorization(pspName: string, approved: boolean): void {
    this.authorizations.push({ pspName, approved });
  }
}
