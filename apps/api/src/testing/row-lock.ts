// Test helper: a second connection holds one payment's row (SELECT … FOR UPDATE in an open transaction) so that
// writers queue behind it in a known order, for deterministic tests of two changes racing on one payment.
// Postgres grants a row's waiters in the order they queued, so the first to wait is the first to write on release.
import type { TestApp } from "./test-app";

export interface HeldRow {
  /** Waits (bounded, 10 s) until this many statements of the test's database wait for a lock. */
  waiters(count: number): Promise<void>;
  /** Commits the holder's transaction: the queued writers proceed, in order. */
  release(): Promise<void>;
}

const WAIT_ROUNDS_MAX = 200;
const WAIT_ROUND_MS = 50;

export async function holdPaymentRow(t: TestApp, paymentId: string): Promise<HeldRow> {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let locked = () => {};
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = t.app.sql.transaction(async (tx) => {
    await tx.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [paymentId]);
    locked();
    await finished;
  });
  await Promise.race([lockTaken, holder]);
  return {
    async waiters(count) {
      for (let round = 0; round < WAIT_ROUNDS_MAX; round++) {
        const [row] = await t.app.sql.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if ((row?.waiting ?? 0) >= count) return;
        await new Promise((resolve) => setTimeout(resolve, WAIT_ROUND_MS));
      }
      throw new Error(`fewer than ${count} statements waited for a lock within 10 s`);
    },
    async release() {
      finish();
      await holder;
    },
  };
}
