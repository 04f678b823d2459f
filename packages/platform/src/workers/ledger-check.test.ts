// Goal: the scheduled ledger check runs once per interval across processes (a pass skips while a run younger than
// half the interval is stored) and reports a run with findings without failing the pass.
import { describe, expect, it, vi } from "vitest";
import { ledgerCheckJob } from "./ledger-check";

const HOUR = 60 * 60_000;
const now = new Date("2026-12-07T12:00:00Z");

function run(ok: boolean) {
  return {
    id: 1n,
    trigger: "worker" as const,
    startedAt: now,
    finishedAt: now,
    ok,
    findings: ok ? [] : [{ kind: "entry_unbalanced" as const, subject: "je_1", detail: "x" }],
    requestedBy: null,
    scope: "incremental" as const,
    basisRunId: null,
    chainVerifiedThrough: null,
    chainSealsChecked: 0n,
  };
}

describe("ledgerCheckJob", () => {
  it("skips while a recent run exists, runs otherwise, and logs disagreements as a warning", async () => {
    const check = vi.fn(async () => run(false));
    const log = { info: vi.fn(), warn: vi.fn() };
    let latest: { finishedAt: Date } | null = { finishedAt: new Date(now.getTime() - 10 * 60_000) };
    const job = ledgerCheckJob({ intervalMs: HOUR, check, latest: async () => latest, log, now: () => now });
    expect(await job.pass()).toEqual({ done: 0, more: false });
    expect(check).not.toHaveBeenCalled();
    latest = { finishedAt: new Date(now.getTime() - 40 * 60_000) };
    expect(await job.pass()).toEqual({ done: 1, more: false });
    expect(check).toHaveBeenCalledWith("worker", null);
    expect(log.warn).toHaveBeenCalledTimes(1);
    latest = null;
    expect(await job.pass()).toEqual({ done: 1, more: false });
  });
});
