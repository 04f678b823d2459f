// The scheduled rates fetch, off by default (these machines are offline): when FX_RATES_URL is set, every
// FX_RATES_FETCH_INTERVAL_MINUTES it GETs that URL (the ECB's eurofxref-daily.xml, or a CSV in the
// `base,quote,rate,as_of` layout: told apart by the content), bounded in time and size, and imports it through
// the rates command. The same rates again store nothing (a re-import of the same values), so passes are
// idempotent and several processes may run the job; a file refused by the command fails the pass, which is
// retried with backoff and shown on /health/workers.
import type { FxRateCommands } from "@paycore/core/fx/fx-rate-commands";
import type { Actor } from "@paycore/core/ports/audit";
import type { Logger } from "pino";
import { importRatesFile } from "../fx/fx-services";
import { parseRatesBytes } from "../fx/rate-files";
import type { PassResult, WorkerJob } from "./worker";

/** A daily rates file is about 2 KB; a whole history about 6 MB. */
export const FX_FETCH_BYTES_MAX = 8 * 1024 * 1024;
export const FX_FETCH_TIMEOUT_MS = 30_000;
const ACTOR: Actor = { operatorId: null, name: "system:fx-rates-fetch" };

export function fxRatesFetchJob(options: {
  commands: Pick<FxRateCommands, "importRates">;
  url: string;
  intervalMs: number;
  log: Pick<Logger, "info" | "warn">;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): WorkerJob {
  const fetchFn = options.fetch ?? fetch;
  return {
    name: "fx-rates-fetch",
    schedule: {
      intervalMs: options.intervalMs,
      backoff: { initialDelayMs: 60_000, maxDelayMs: Math.max(60_000, options.intervalMs) },
    },
    failureMessage: "the exchange rates could not be fetched or were refused: fetched again on the next pass",
    async pass(): Promise<PassResult> {
      const response = await fetchFn(options.url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? FX_FETCH_TIMEOUT_MS),
        redirect: "error",
      });
      if (!response.ok || response.body === null) throw new Error(`exchange rates: HTTP ${response.status}`);
      const declared = Number(response.headers.get("content-length") ?? "0");
      if (declared > FX_FETCH_BYTES_MAX) throw new Error("exchange rates: the file is over the size bound");
      // Read at most the bound, whatever the server declared.
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > FX_FETCH_BYTES_MAX) throw new Error("exchange rates: the file is over the size bound");
        chunks.push(chunk);
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      const result = await importRatesFile(options.commands, ACTOR, parseRatesBytes(bytes));
      options.log.info(
        {
          source: result.source,
          inserted: result.inserted,
          unchanged: result.unchanged,
          latestAsOf: result.latestAsOf?.toISOString() ?? null,
        },
        "exchange rates fetched",
      );
      return { done: result.inserted, more: false };
    },
  };
}
