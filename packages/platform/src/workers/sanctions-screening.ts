// Sanctions screening's jobs (issue 22). `sanctions-screening` screens, a bounded batch per pass, the merchants not
// yet screened against the newest version of every imported list (after an import from the CLI or the fetch): a
// pass reporting more runs again at once. `sanctions-list-fetch`, off by default (these machines are offline),
// GETs the configured list URLs every interval, bounded in time and size, and imports a file whose SHA-256 differs
// from the newest version's of its list as a new version.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Actor } from "@paycore/core/ports/audit";
import type { SanctionsCommands } from "@paycore/core/sanctions/sanctions-commands";
import type { Logger } from "pino";
import {
  listFileNames,
  SANCTIONS_FILE_BYTES_MAX,
  type SanctionsFileFormat,
} from "../sanctions/sanctions-list-files";
import type { PassResult, WorkerJob } from "./worker";

const SCREEN_BATCH = 50;
const FETCH_TIMEOUT_MS = 120_000;
const ACTOR: Actor = { operatorId: null, name: "system:sanctions-list-fetch" };

export function sanctionsScreeningJob(options: {
  sanctions: Pick<SanctionsCommands, "screenPending">;
  log: Pick<Logger, "info">;
  intervalMs?: number;
}): WorkerJob {
  return {
    name: "sanctions-screening",
    schedule: {
      intervalMs: options.intervalMs ?? 60_000,
      backoff: { initialDelayMs: 60_000, maxDelayMs: 10 * 60_000 },
    },
    failureMessage:
      "merchants wait to be screened against the newest sanctions lists: screened on the next pass",
    async pass(): Promise<PassResult> {
      const result = await options.sanctions.screenPending(SCREEN_BATCH);
      if (result.merchants > 0)
        options.log.info(result, "merchants screened against the newest sanctions lists");
      return { done: result.merchants, more: result.merchants === SCREEN_BATCH };
    },
  };
}

async function download(url: string, fetchFn: typeof fetch): Promise<Uint8Array> {
  const response = await fetchFn(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
  if (!response.ok || response.body === null) throw new Error(`sanctions list: HTTP ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > SANCTIONS_FILE_BYTES_MAX) throw new Error("sanctions list: the file is over the size bound");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sanctionsListFetchJob(options: {
  sanctions: Pick<SanctionsCommands, "importList" | "screenPending"> & {
    currentVersions?: () => Promise<Array<{ source: string; sha256: string }>>;
  };
  ofacSdnUrl: string | null;
  euUrl: string | null;
  intervalMs: number;
  log: Pick<Logger, "info">;
  fetch?: typeof fetch;
  /** The newest version's SHA-256 of each source, to skip an unchanged file. */
  currentSha256?: () => Promise<Map<string, string>>;
}): WorkerJob {
  const fetchFn = options.fetch ?? fetch;
  const sources: Array<{ url: string; format: SanctionsFileFormat; source: "OFAC_SDN" | "EU_CONSOLIDATED" }> =
    [
      ...(options.ofacSdnUrl
        ? [{ url: options.ofacSdnUrl, format: "ofac-sdn" as const, source: "OFAC_SDN" as const }]
        : []),
      ...(options.euUrl
        ? [{ url: options.euUrl, format: "eu-xml" as const, source: "EU_CONSOLIDATED" as const }]
        : []),
    ];
  return {
    name: "sanctions-list-fetch",
    schedule: {
      intervalMs: options.intervalMs,
      backoff: { initialDelayMs: 5 * 60_000, maxDelayMs: Math.max(5 * 60_000, options.intervalMs) },
    },
    failureMessage:
      "a sanctions list could not be fetched or was refused: screenings use the previous version",
    async pass(): Promise<PassResult> {
      let imported = 0;
      const known = (await options.currentSha256?.()) ?? new Map<string, string>();
      for (const { url, format, source } of sources) {
        const bytes = await download(url, fetchFn);
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        if (known.get(source) === sha256) continue;
        // The readers stream from a file: the download goes to a private temporary folder, removed after.
        const folder = await mkdtemp(join(tmpdir(), "paycore-sanctions-"));
        try {
          const path = join(folder, format === "eu-xml" ? "eu.xml" : "sdn.csv");
          await writeFile(path, bytes, { mode: 0o600 });
          const version = await options.sanctions.importList(
            ACTOR,
            source,
            { filename: new URL(url).pathname.split("/").pop() || path, sha256 },
            listFileNames([{ path, format }]),
          );
          options.log.info(
            { source, names: version.nameCount, version: version.id },
            "sanctions list imported",
          );
          imported++;
        } finally {
          await rm(folder, { recursive: true, force: true });
        }
      }
      return { done: imported, more: false };
    },
  };
}
