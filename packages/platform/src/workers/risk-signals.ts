// The risk-signals job (issue 22): every interval, a keyset pass over the merchants with enough live payments in the
// window; a merchant whose refund, dispute or decline rate is above its threshold is restricted through the
// onboarding command, the rule named in its event and audit row (the console's onboarding queue, a needs-attention
// source, shows it to operators). Restricting twice is a no-op, so several processes may run it.
import type { OnboardingCommands } from "@paycore/core/onboarding/onboarding-commands";
import { type RiskSignalThresholds, trippedRiskRule } from "@paycore/core/onboarding/risk-signals";
import type { RiskSignalsRepository } from "@paycore/db/repositories/risk-signals.repository";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

const PAGE = 200;
const DAY_MS = 24 * 60 * 60_000;

export function riskSignalsJob(options: {
  counts: Pick<RiskSignalsRepository, "countsSince">;
  onboarding: Pick<OnboardingCommands, "restrictByRule">;
  thresholds: RiskSignalThresholds;
  log: Pick<Logger, "info">;
  intervalMs?: number;
  now?: () => Date;
}): WorkerJob {
  let cursor = "";
  return {
    name: "risk-signals",
    schedule: {
      intervalMs: options.intervalMs ?? 60 * 60_000,
      backoff: { initialDelayMs: 60_000, maxDelayMs: 30 * 60_000 },
    },
    failureMessage: "risk signals were not computed: merchants are judged on the next pass",
    async pass(): Promise<PassResult> {
      const now = options.now?.() ?? new Date();
      const since = new Date(now.getTime() - options.thresholds.windowDays * DAY_MS);
      const page = await options.counts.countsSince(since, options.thresholds.minPayments, cursor, PAGE);
      let restricted = 0;
      for (const counts of page) {
        const rule = trippedRiskRule(counts, options.thresholds);
        if (rule === null) continue;
        const before = await options.onboarding.restrictByRule(counts.merchantId, rule.rule, {
          count: rule.count,
          of: rule.of,
          rateBps: rule.rateBps,
          maxBps: rule.maxBps,
          windowDays: options.thresholds.windowDays,
        });
        if (before?.status === "RESTRICTED") {
          restricted++;
          options.log.info(
            { merchantId: counts.merchantId, ...rule },
            "merchant restricted by a risk signal",
          );
        }
      }
      const more = page.length === PAGE;
      cursor = more ? (page[page.length - 1]?.merchantId ?? "") : "";
      return { done: restricted, more };
    },
  };
}
