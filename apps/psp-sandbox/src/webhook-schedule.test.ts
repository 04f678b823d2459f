// Goal: the webhook schedule delays, duplicates and reorders exactly as each scenario card promises.

import type { SandboxScenario } from "@paycore/psp-testkit/test-cards";
import { describe, expect, it } from "vitest";
import type { SandboxCharge } from "./charge-ledger";
import { seededRandom } from "./seeded-random";
import { DEFAULT_TIMINGS, WebhookSchedule } from "./webhook-schedule";

function chargeWith(scenario: SandboxScenario | null): SandboxCharge {
  return { psp: "stripe", pspReference: "pi_1", scenario } as SandboxCharge;
}

describe("WebhookSchedule", () => {
  const timings = { ...DEFAULT_TIMINGS, lateWebhookDelayMs: 700, outOfOrderWindowMs: 1_000 };

  it.each([
    [null, [0]],
    ["late_webhook", [700]],
    ["capture_fails", [0]],
  ] as const)("%s → delays %o", (scenario, delays) => {
    expect(new WebhookSchedule(timings, seededRandom(1)).delaysFor(chargeWith(scenario))).toEqual(delays);
  });

  it("delivers a duplicated webhook two or three times, reproducibly for a seed", () => {
    const counts = (seed: number) => {
      const schedule = new WebhookSchedule(timings, seededRandom(seed));
      return Array.from({ length: 20 }, () => schedule.delaysFor(chargeWith("duplicate_webhook")).length);
    };
    expect(new Set(counts(7))).toEqual(new Set([2, 3]));
    expect(counts(7)).toEqual(counts(7));
  });

  it("makes later events of an out-of-order payment due before earlier ones inside the window", () => {
    const schedule = new WebhookSchedule(timings, seededRandom(1));
    const charge = chargeWith("out_of_order_webhooks");
    const startMs = 1_000_000;
    const dueAt = [0, 0, 300].map((offsetMs) => {
      const nowMs = startMs + offsetMs;
      return nowMs + schedule.delaysFor(charge, nowMs)[0]!;
    });
    expect(dueAt[1]!).toBeLessThan(dueAt[0]!);
    expect(dueAt[2]!).toBeLessThan(dueAt[1]!);
    expect(Math.min(...dueAt)).toBeGreaterThanOrEqual(startMs + 1_000);
    // After the window, events are no longer held.
    expect(schedule.delaysFor(charge, startMs + 1_000)).toEqual([0]);
  });
});
