// An in-memory checkout session store for the core's unit tests: the same conditional writes as the Postgres
// store (version, status and in-flight checks), the state table's edges checked like the database's trigger,
// and the events and outbox messages kept in arrays to assert on.
import { checkoutSessionTransitionEdges } from "../checkout/checkout-session-state-machine";
import type { CheckoutSessionId, MerchantId } from "../ids/ids";
import type { Mode } from "../payments/payment-record";
import type {
  CheckoutOutboxMessage,
  CheckoutSessionEventDraft,
  CheckoutSessionRecord,
  CheckoutSessionStore,
  NewCheckoutSession,
} from "../ports/checkout-session-store";

export class InMemoryCheckoutSessionStore implements CheckoutSessionStore {
  readonly sessions = new Map<string, CheckoutSessionRecord>();
  readonly events: (CheckoutSessionEventDraft & { sessionId: string })[] = [];
  readonly outbox: CheckoutOutboxMessage[] = [];
  private tokens = 0;

  constructor(private readonly now: () => Date) {}

  async insert(
    session: NewCheckoutSession,
    event: CheckoutSessionEventDraft,
  ): Promise<CheckoutSessionRecord> {
    const record: CheckoutSessionRecord = {
      ...session,
      status: "OPEN",
      accessToken: `token${++this.tokens}`.padEnd(32, "0"),
      attempts: 0,
      attemptInFlight: false,
      paymentId: null,
      version: 1,
      completedAt: null,
      expiredAt: null,
      createdAt: this.now(),
    };
    this.sessions.set(record.id, record);
    this.events.push({ ...event, sessionId: record.id });
    return { ...record };
  }

  async find(merchantId: MerchantId, mode: Mode, id: CheckoutSessionId) {
    const session = this.sessions.get(id);
    return session && session.merchantId === merchantId && session.mode === mode ? { ...session } : null;
  }

  async findById(id: CheckoutSessionId) {
    const session = this.sessions.get(id);
    return session ? { ...session } : null;
  }

  private update(
    read: CheckoutSessionRecord,
    allowed: (current: CheckoutSessionRecord) => boolean,
    change: Partial<CheckoutSessionRecord>,
  ): CheckoutSessionRecord | null {
    const current = this.sessions.get(read.id);
    if (!current || current.version !== read.version || !allowed(current)) return null;
    if (change.status && change.status !== current.status) {
      const legal = checkoutSessionTransitionEdges().some(
        ([f, t]) => f === current.status && t === change.status,
      );
      if (!legal)
        throw new Error(`illegal checkout session transition ${current.status} -> ${change.status}`);
    }
    const next = { ...current, ...change, version: current.version + 1 };
    this.sessions.set(next.id, next);
    return { ...next };
  }

  async claimAttempt(session: CheckoutSessionRecord, now: Date, event: CheckoutSessionEventDraft) {
    const claimed = this.update(
      session,
      (s) => s.status === "OPEN" && !s.attemptInFlight && s.expiresAt.getTime() > now.getTime(),
      { attempts: session.attempts + 1, attemptInFlight: true },
    );
    if (claimed) this.events.push({ ...event, sessionId: session.id });
    return claimed;
  }

  async releaseAttempt(
    session: CheckoutSessionRecord,
    paymentId: string | null,
    event: CheckoutSessionEventDraft,
  ) {
    const released = this.update(session, (s) => s.attemptInFlight, {
      attemptInFlight: false,
      paymentId: paymentId ?? session.paymentId,
    });
    if (released) this.events.push({ ...event, sessionId: session.id });
    return released;
  }

  async recordPendingPayment(session: CheckoutSessionRecord, paymentId: string) {
    return this.update(session, (s) => s.attemptInFlight, { paymentId });
  }

  async transition(
    session: CheckoutSessionRecord,
    _event: string,
    to: CheckoutSessionRecord["status"],
    paymentId: string | null,
    audit: CheckoutSessionEventDraft,
    outbox: CheckoutOutboxMessage,
  ) {
    const at = this.now();
    const moved = this.update(session, (s) => s.status === session.status, {
      status: to,
      attemptInFlight: false,
      paymentId: paymentId ?? session.paymentId,
      ...(to === "COMPLETE" ? { completedAt: at } : { expiredAt: at }),
    });
    if (moved) {
      this.events.push({ ...audit, sessionId: session.id });
      this.outbox.push(outbox);
    }
    return moved;
  }

  async dueForExpiry(now: Date, limit: number) {
    return [...this.sessions.values()]
      .filter(
        (s) =>
          s.status === "OPEN" &&
          (!s.attemptInFlight || s.paymentId !== null) &&
          s.expiresAt.getTime() <= now.getTime(),
      )
      .slice(0, limit)
      .map((s) => ({ ...s }));
  }
}
