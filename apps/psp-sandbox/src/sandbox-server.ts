import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SANDBOX_CARDS } from "@paycore/psp-testkit/test-cards";
import { createAdyenApi } from "./adyen-api";
import { createIncomingBank } from "./bank-rails/incoming";
import { type BankPayoutsApi, createBankPayoutsApi } from "./bank-rails/payouts-api";
import { ChargeLedger, PSP_NAMES, type PspName, type SandboxCharge } from "./charge-ledger";
import { DisputeError, type OpenDisputeInput, type SandboxDispute, SandboxDisputes } from "./disputes";
import { FaultInjector, FaultValidationError, parseFaults, type SandboxFaults } from "./fault-injector";
import { jsonResponse, readBody, send } from "./http-kit";
import { IdempotencyStore } from "./idempotency-store";
import { handlePspRequest, type PipelineDeps, type PspDialect } from "./psp-pipeline";
import {
  adyenDownloadPath,
  adyenReportAuthorized,
  adyenReportFileName,
  ReportAnnouncements,
} from "./report-announcements";
import {
  AttemptMemory,
  DeferredWork,
  type SandboxContext,
  type SandboxWebhookConfig,
} from "./sandbox-context";
import { createSandboxMetrics, SANDBOX_METRICS_PATH } from "./sandbox-metrics";
import { seededRandom } from "./seeded-random";
import { parseSettlementDate, settlementCsv } from "./settlement-report";
import { createStripeApi } from "./stripe-api";
import { ChallengeBook } from "./three-d-secure";
import {
  DEFAULT_WEBHOOK_RETRY,
  type WebhookDeliveryRecord,
  WebhookDispatcher,
  type WebhookRetryPolicy,
} from "./webhook-dispatcher";
import { DEFAULT_TIMINGS, type SandboxTimings, TIMING_MS_MAX, WebhookSchedule } from "./webhook-schedule";

export type { SandboxCharge } from "./charge-ledger";
export type { SandboxDispute } from "./disputes";
export type { SandboxFaults } from "./fault-injector";
export type { SandboxWebhookConfig } from "./sandbox-context";

export interface SandboxOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where each PSP posts its webhooks; also settable later (POST /__sandbox/webhooks). */
  webhooks?: SandboxWebhookConfig;
  /** Seeds fault injection and webhook duplication, for reproducible runs. Default 1. */
  seed?: number;
  /** How long timeout scenarios and timeoutRate hold a response. Default 30 000, at most 600 000. */
  hangMs?: number;
  /** When set, settlement reports are also written here as they are served. */
  settlementDir?: string;
  /** Receives one line per notable event (failed webhooks, handler errors). Default: silent. */
  log?: (line: string) => void;
  /** Delays of the asynchronous behaviour; tests shorten them. */
  timings?: Partial<SandboxTimings>;
  /** Webhook retry policy. */
  webhookRetry?: Partial<WebhookRetryPolicy>;
  /** Clock for timestamps and settlement dates (timers use real time). Default: the system clock. */
  now?: () => Date;
  /**
   * Stripe-style live secret keys (sk_live_…) the sandbox accepts, so it can stand in for a live endpoint;
   * any other sk_live_ key is refused as Stripe refuses an unknown key. Default: none.
   */
  liveStripeKeys?: readonly string[];
  /**
   * Announce yesterday's settlement reports of both PSPs this often (Adyen's REPORT_AVAILABLE, Stripe's report
   * runs); 0, the default: only when asked (POST /__sandbox/reports/announce, or `announceReports`).
   */
  reportScheduleMs?: number;
  /** Where the sandbox bank sends its notifications (bank transfers); also settable by POST /__sandbox/bank/webhook. */
  bankWebhook?: { url: string; secret: string } | undefined;
  /**
   * The bank rails sandbox's payout side (issue 18): where it posts its signed notifications, and how often it
   * delivers them (0: only when a test calls `bank.deliverNotifications()`). Default every 2 000 ms.
   */
  bankRails?: { webhook?: { url: string; secret: string }; autoDeliverMs?: number };
  /** The bearer token GET /metrics asks for (METRICS_TOKEN); unset: loopback clients only. */
  metricsToken?: string | null;
}

export interface SandboxHandle {
  /** e.g. "http://127.0.0.1:4010". */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** A deep copy of the sandbox's ledger. */
  charges(): SandboxCharge[];
  /** A deep copy of both PSPs' disputes. */
  disputes(): SandboxDispute[];
  /** Opens a dispute on a captured payment (as POST /__sandbox/disputes does). */
  openDispute(psp: PspName, pspReference: string, input?: OpenDisputeInput): SandboxDispute;
  /** The dispute's due date passes now (as POST /__sandbox/disputes/<id>/expire does). */
  expireDispute(id: string): SandboxDispute;
  /** Announces a UTC day's settlement report the PSP's way (default: yesterday on the sandbox's clock). */
  announceReport(
    psp: PspName,
    day?: string,
  ): { psp: PspName; day: string; fileName?: string; reportRun?: string };
  setFaults(psp: PspName, faults: SandboxFaults): void;
  clearFaults(): void;
  /** Forgets charges, idempotency keys, queued webhooks and faults; keeps the webhook configuration. */
  reset(): void;
  configureWebhooks(config: SandboxWebhookConfig): void;
  webhookDeliveries(): WebhookDeliveryRecord[];
  /** The settlement report of a UTC day ("YYYY-MM-DD"). */
  settlementCsv(psp: PspName, date: string): string;
  /** Writes both PSPs' reports of a day into settlementDir; returns the paths. */
  writeSettlementFiles(date: string): Promise<string[]>;
  /** The bank rails sandbox's payout side (/bank/v1). */
  bank: BankPayoutsApi;
}

const DEFAULT_HANG_MS = 30_000;

function boundedMs(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved > TIMING_MS_MAX) {
    throw new RangeError(`${name} must be an integer from 0 to ${TIMING_MS_MAX} ms, got ${String(value)}`);
  }
  return resolved;
}

export function settlementFileName(psp: PspName, date: string): string {
  return psp === "stripe"
    ? `stripe-balance-report-${date}.csv`
    : `adyen-settlement-detail-report-${date}.csv`;
}

function validateWebhookConfig(input: unknown): SandboxWebhookConfig {
  if (typeof input !== "object" || input === null) throw new FaultValidationError("body must be an object");
  const body = input as Record<string, unknown>;
  const config: SandboxWebhookConfig = {};
  const url = (value: unknown, field: string): string => {
    if (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value)) {
      throw new FaultValidationError(`${field} must be an http(s) URL`);
    }
    return value;
  };
  if (body.stripe !== undefined) {
    const stripe = body.stripe as Record<string, unknown>;
    if (typeof stripe.secret !== "string" || stripe.secret.length === 0) {
      throw new FaultValidationError("stripe.secret must be a non-empty string");
    }
    config.stripe = { url: url(stripe.url, "stripe.url"), secret: stripe.secret };
  }
  if (body.adyen !== undefined) {
    const adyen = body.adyen as Record<string, unknown>;
    if (typeof adyen.hmacKeyHex !== "string" || !/^([0-9a-fA-F]{2})+$/.test(adyen.hmacKeyHex)) {
      throw new FaultValidationError("adyen.hmacKeyHex must be a hex string");
    }
    config.adyen = { url: url(adyen.url, "adyen.url"), hmacKeyHex: adyen.hmacKeyHex };
  }
  return config;
}

/** A dispute as the control API shows it (amounts as digit strings). */
function disputeView(dispute: SandboxDispute): Record<string, unknown> {
  return { ...dispute, amountMinor: dispute.amountMinor.toString() };
}

function parseOpenDispute(input: unknown): { psp: PspName; pspReference: string; input: OpenDisputeInput } {
  if (typeof input !== "object" || input === null) throw new FaultValidationError("body must be an object");
  const body = input as Record<string, unknown>;
  if (body.psp !== "stripe" && body.psp !== "adyen")
    throw new FaultValidationError("psp must be stripe or adyen");
  if (typeof body.pspReference !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(body.pspReference)) {
    throw new FaultValidationError("pspReference must be the payment's PSP reference");
  }
  const open: OpenDisputeInput = {};
  if (body.kind !== undefined) {
    if (body.kind !== "chargeback" && body.kind !== "inquiry") {
      throw new FaultValidationError("kind must be chargeback or inquiry");
    }
    open.kind = body.kind;
  }
  if (body.reason !== undefined) {
    if (typeof body.reason !== "string") throw new FaultValidationError("reason must be a string");
    open.reason = body.reason;
  }
  if (body.amountMinor !== undefined) {
    if (typeof body.amountMinor !== "string" || !/^[1-9]\d{0,15}$/.test(body.amountMinor)) {
      throw new FaultValidationError("amountMinor must be a digit string of minor units");
    }
    open.amountMinor = BigInt(body.amountMinor);
  }
  if (body.outcomeOnEvidence !== undefined) {
    if (body.outcomeOnEvidence !== "won" && body.outcomeOnEvidence !== "lost") {
      throw new FaultValidationError("outcomeOnEvidence must be won or lost");
    }
    open.outcomeOnEvidence = body.outcomeOnEvidence;
  }
  return { psp: body.psp, pspReference: body.pspReference, input: open };
}

/** Starts one HTTP server emulating a Stripe-style PSP (/v1) and an Adyen-style PSP (/adyen/v72). */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const hangMs = boundedMs(options.hangMs, DEFAULT_HANG_MS, "hangMs");
  const timings: SandboxTimings = { ...DEFAULT_TIMINGS };
  for (const name of Object.keys(DEFAULT_TIMINGS) as (keyof SandboxTimings)[]) {
    timings[name] = boundedMs(options.timings?.[name], DEFAULT_TIMINGS[name], `timings.${name}`);
  }
  const retryPolicy: WebhookRetryPolicy = { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry };
  if (
    !Number.isInteger(retryPolicy.attemptsMax) ||
    retryPolicy.attemptsMax < 1 ||
    retryPolicy.attemptsMax > 20
  ) {
    throw new RangeError("webhookRetry.attemptsMax must be an integer from 1 to 20");
  }
  const random = seededRandom(options.seed ?? 1);
  const webhooks: SandboxWebhookConfig = { ...options.webhooks };
  const ledger = new ChargeLedger(now);
  const dispatcher = new WebhookDispatcher(retryPolicy, log);
  const schedule = new WebhookSchedule(timings, random);
  const deferred = new DeferredWork(log);
  const attempts = new AttemptMemory();
  const faults = new FaultInjector(random);
  const idempotency = new IdempotencyStore();
  const stopController = new AbortController();
  const disputes = new SandboxDisputes({
    ledger,
    deferred,
    now,
    openDelayMs: () => timings.disputeOpenDelayMs,
    decisionDelayMs: () => timings.disputeDecisionDelayMs,
  });
  // Due dates pass on the sandbox's clock; a long-running sandbox looks once a minute (tests expire explicitly).
  const dueTimer = setInterval(() => disputes.expireDue(), 60_000);
  dueTimer.unref();
  let baseUrl = "";
  const reports = new ReportAnnouncements({
    now,
    announceAdyen: (fileName, path) => adyen.notifyReportAvailable(fileName, `${baseUrl}${path}`),
    announceStripe: (run) => stripe.announceReportRun(run),
    later: (work) => deferred.later(timings.modificationDelayMs, work),
  });
  const reportScheduleMs = options.reportScheduleMs ?? 0;
  if (!Number.isInteger(reportScheduleMs) || reportScheduleMs < 0) {
    throw new RangeError("reportScheduleMs must be a non-negative integer");
  }
  // The schedule: yesterday's reports of both PSPs, announced every reportScheduleMs (0: only when asked).
  const reportTimer =
    reportScheduleMs > 0
      ? setInterval(() => {
          for (const psp of PSP_NAMES) reports.announce(psp, reports.yesterday());
        }, reportScheduleMs)
      : null;
  reportTimer?.unref();

  const challenges = new ChallengeBook();
  // Set once the server listens; the challenge pages' absolute URLs are built from it.
  let publicUrl = "";
  const context: SandboxContext = {
    ledger,
    disputes,
    reports,
    baseUrl: () => baseUrl,
    dispatcher,
    schedule,
    timings,
    deferred,
    attempts,
    webhooks,
    hangMs: () => hangMs,
    now,
    log,
    liveStripeKeys: new Set(options.liveStripeKeys ?? []),
    challenges,
    publicUrl: () => publicUrl,
  };
  const stripe = createStripeApi(context);
  // Bank rails, incoming side (issue 18): credit transfers to our references, signed notifications, returns.
  const incomingBank = createIncomingBank({
    now,
    log,
    webhook: options.bankWebhook ?? options.bankRails?.webhook ?? null,
  });
  const adyen = createAdyenApi(context);
  // Bank rails, payout side (issue 18).
  const bank = createBankPayoutsApi({
    now,
    log,
    hangMs: () => hangMs,
    stopSignal: stopController.signal,
    autoDeliverMs: boundedMs(options.bankRails?.autoDeliverMs, 2_000, "bankRails.autoDeliverMs"),
  });
  bank.configure(options.bankRails?.webhook ?? options.bankWebhook ?? null);
  const pipelineDeps: PipelineDeps = {
    faults,
    idempotency,
    hangMs: () => hangMs,
    stopSignal: stopController.signal,
    log,
  };

  function reset(): void {
    ledger.clear();
    idempotency.clear();
    attempts.clear();
    faults.clear();
    deferred.cancelAll();
    dispatcher.clear();
    schedule.clear();
    stripe.clear();
    adyen.clear();
    disputes.clear();
    reports.clear();
    incomingBank.reset();
    challenges.clear();
    bank.clear();
  }

  function configureWebhooks(config: SandboxWebhookConfig): void {
    if (config.stripe !== undefined) webhooks.stripe = config.stripe;
    if (config.adyen !== undefined) webhooks.adyen = config.adyen;
  }

  function csvFor(psp: PspName, date: string): string {
    const dayStart = parseSettlementDate(date);
    if (dayStart === null) throw new FaultValidationError(`not a date (YYYY-MM-DD): ${date}`);
    return settlementCsv(ledger, psp, dayStart);
  }

  async function writeSettlement(psp: PspName, date: string, csv: string): Promise<string | null> {
    if (options.settlementDir === undefined) return null;
    await mkdir(options.settlementDir, { recursive: true });
    const path = join(options.settlementDir, settlementFileName(psp, date));
    await writeFile(path, csv, "utf8");
    return path;
  }

  /**
   * Report files: Adyen's under /adyen/reports/download/... with the report user's basic auth; Stripe's report run
   * results under /v1/files/<id>/contents with a secret or restricted key. Streamed as CSV; 401 without the credentials.
   */
  async function serveReportDownload(request: IncomingMessage, response: ServerResponse, path: string) {
    if (request.method !== "GET") return false;
    const adyenFile =
      /^\/adyen\/reports\/download\/MerchantAccount\/[A-Za-z0-9_]+\/(?<file>[\w.-]+\.csv)$/.exec(path);
    const stripeFile = /^\/v1\/files\/(?<id>file_[A-Za-z0-9]+)\/contents$/.exec(path);
    if (adyenFile === null && stripeFile === null) return false;
    let psp: PspName;
    let day: string | undefined;
    if (adyenFile !== null) {
      if (!adyenReportAuthorized(request)) {
        send(response, {
          status: 401,
          headers: { "WWW-Authenticate": 'Basic realm="Adyen"' },
          body: "Unauthorized",
        });
        return true;
      }
      psp = "adyen";
      const match = /^settlement_detail_report_(\d{4}-\d{2}-\d{2})\.csv$/.exec(adyenFile.groups!.file!);
      day = match?.[1];
      if (day !== undefined && adyenDownloadPath(adyenReportFileName(day)) !== path) day = undefined;
    } else {
      const authorization = request.headers.authorization ?? "";
      // A secret key, or a restricted key (rk_) as a reporting integration is given one, as Stripe's files host takes.
      if (!/^Bearer\s+(?:sk|rk)_(test|live)_\S+$/.test(authorization)) {
        send(
          response,
          jsonResponse(401, {
            error: { type: "invalid_request_error", message: "Invalid API Key provided" },
          }),
        );
        return true;
      }
      psp = "stripe";
      day = reports.stripeFile(stripeFile!.groups!.id!)?.day;
    }
    if (day === undefined) {
      send(response, jsonResponse(404, { error: `no report at ${path}` }));
      return true;
    }
    send(response, {
      status: 200,
      headers: { "Content-Type": "text/csv; charset=utf-8" },
      body: csvFor(psp, day),
    });
    return true;
  }

  async function handleControl(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) {
    const method = request.method ?? "GET";
    const readJson = async (): Promise<unknown> => {
      const raw = await readBody(request);
      return raw === "" ? {} : (JSON.parse(raw) as unknown);
    };
    try {
      if (method === "GET" && path === "/__sandbox/charges") {
        const psp = query.get("psp");
        const reference = query.get("reference");
        const list = ledger
          .list()
          .filter(
            (charge) =>
              (psp === null || charge.psp === psp) && (reference === null || charge.reference === reference),
          );
        send(response, jsonResponse(200, list));
        return;
      }
      if (path === "/__sandbox/faults") {
        if (method === "POST") {
          const parsed = parseFaults(await readJson());
          faults.set(parsed.psp, parsed.faults);
          send(response, jsonResponse(200, { psp: parsed.psp, faults: faults.current(parsed.psp) }));
          return;
        }
        if (method === "DELETE") {
          faults.clear();
          send(response, jsonResponse(200, { cleared: true }));
          return;
        }
        if (method === "GET") {
          send(
            response,
            jsonResponse(200, Object.fromEntries(PSP_NAMES.map((psp) => [psp, faults.current(psp)]))),
          );
          return;
        }
      }
      if (method === "POST" && path === "/__sandbox/reset") {
        reset();
        send(response, jsonResponse(200, { reset: true }));
        return;
      }
      if (method === "POST" && path === "/__sandbox/webhooks") {
        configureWebhooks(validateWebhookConfig(await readJson()));
        send(
          response,
          jsonResponse(200, { stripe: webhooks.stripe?.url ?? null, adyen: webhooks.adyen?.url ?? null }),
        );
        return;
      }
      if (method === "GET" && path === "/__sandbox/webhooks/deliveries") {
        send(response, jsonResponse(200, dispatcher.deliveries()));
        return;
      }
      // Bank rails: where notifications go, and delivering them now (tests; npm start delivers on a timer).
      if (method === "POST" && path === "/__sandbox/bank/webhook") {
        const body = (await readJson()) as { url?: unknown; secret?: unknown };
        if (
          typeof body.url !== "string" ||
          !/^https?:\/\/\S+$/.test(body.url) ||
          typeof body.secret !== "string"
        )
          throw new FaultValidationError("url (http) and secret are required");
        bank.configure({ url: body.url, secret: body.secret });
        incomingBank.configure({ url: body.url, secret: body.secret });
        send(response, jsonResponse(200, { url: body.url }));
        return;
      }
      if (method === "POST" && path === "/__sandbox/bank/deliver") {
        send(response, jsonResponse(200, { delivered: await bank.deliverNotifications() }));
        return;
      }
      if (method === "GET" && path === "/__sandbox/bank/micro-deposits") {
        send(response, jsonResponse(200, bank.microDeposits()));
        return;
      }
      if (method === "GET" && path === "/__sandbox/bank/payouts") {
        send(response, jsonResponse(200, bank.transfers()));
        return;
      }
      // Disputes: open one on any captured payment, list them, pass a due date now.
      if (path === "/__sandbox/disputes") {
        if (method === "POST") {
          const { psp, pspReference, input } = parseOpenDispute(await readJson());
          send(response, jsonResponse(201, disputeView(disputes.open(psp, pspReference, input))));
          return;
        }
        if (method === "GET") {
          const psp = query.get("psp");
          const payment = query.get("paymentPspReference");
          const list = disputes
            .list()
            .filter(
              (d) =>
                (psp === null || d.psp === psp) && (payment === null || d.paymentPspReference === payment),
            );
          send(response, jsonResponse(200, list.map(disputeView)));
          return;
        }
      }
      const expire = /^\/__sandbox\/disputes\/(?<id>[A-Za-z0-9_]+)\/expire$/.exec(path);
      if (method === "POST" && expire !== null) {
        send(response, jsonResponse(200, disputeView(disputes.expire(expire.groups!.id!))));
        return;
      }
      if (method === "POST" && path === "/__sandbox/disputes/expire-due") {
        send(response, jsonResponse(200, { expired: disputes.expireDue() }));
        return;
      }
      // Settlement reports announced the PSP's way (REPORT_AVAILABLE, report runs): yesterday's unless a day is given.
      if (method === "POST" && path === "/__sandbox/reports/announce") {
        const body = (await readJson()) as { psp?: unknown; day?: unknown };
        const psps = body.psp === undefined ? PSP_NAMES : [body.psp];
        if (!psps.every((psp) => psp === "stripe" || psp === "adyen")) {
          throw new FaultValidationError("psp must be stripe or adyen");
        }
        const day = body.day === undefined ? reports.yesterday() : body.day;
        if (typeof day !== "string" || parseSettlementDate(day) === null) {
          throw new FaultValidationError("day must be a date (YYYY-MM-DD)");
        }
        send(
          response,
          jsonResponse(
            200,
            (psps as PspName[]).map((psp) => reports.announce(psp, day)),
          ),
        );
        return;
      }
      if (method === "GET" && path === "/__sandbox/cards") {
        send(response, jsonResponse(200, SANDBOX_CARDS));
        return;
      }
      const settlement = /^\/__sandbox\/settlements\/(?<psp>stripe|adyen)\/(?<date>[^/]+)\.csv$/.exec(path);
      if (method === "GET" && settlement !== null) {
        const psp = settlement.groups!.psp as PspName;
        const date = settlement.groups!.date!;
        const csv = csvFor(psp, date);
        await writeSettlement(psp, date, csv);
        send(response, {
          status: 200,
          headers: {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": `attachment; filename="${settlementFileName(psp, date)}"`,
          },
          body: csv,
        });
        return;
      }
      send(response, jsonResponse(404, { error: `no sandbox route ${method} ${path}` }));
    } catch (error) {
      if (error instanceof FaultValidationError || error instanceof SyntaxError) {
        send(response, jsonResponse(400, { error: error.message }));
        return;
      }
      if (error instanceof DisputeError) {
        send(response, jsonResponse(error.status, { error: error.message }));
        return;
      }
      throw error;
    }
  }

  // Longest prefix first: the Adyen Disputes API sits beside its Checkout API under /adyen.
  const dialects: ReadonlyArray<PspDialect> = [stripe.dialect, adyen.disputesDialect, adyen.dialect];
  const metrics = createSandboxMetrics({
    token: options.metricsToken ?? null,
    faults: (psp) => faults.current(psp),
    chargeCount: () => ledger.list().length,
  });

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://sandbox.invalid");
    const path = url.pathname;
    const work = async () => {
      if (challenges.matches(path)) {
        await challenges.handle(request, response, path);
        return;
      }
      if (incomingBank.matches(path)) {
        await incomingBank.handle(request, response, path);
        return;
      }
      if (path === "/__sandbox" || path.startsWith("/__sandbox/")) {
        await handleControl(request, response, path, url.searchParams);
        return;
      }
      if (path === SANDBOX_METRICS_PATH) {
        await metrics.handle(request, response);
        return;
      }
      if (await bank.handle(request, response, path)) return;
      if (await serveReportDownload(request, response, path)) return;
      const dialect = dialects.find(
        (candidate) => path === candidate.pathPrefix || path.startsWith(`${candidate.pathPrefix}/`),
      );
      if (dialect === undefined) {
        send(response, jsonResponse(404, { error: `no route ${request.method} ${path}` }));
        return;
      }
      metrics.observe(dialect.psp, response);
      await handlePspRequest(dialect, pipelineDeps, request, response, path);
    };
    work().catch((error: unknown) => {
      log(`${request.method} ${path} failed: ${error instanceof Error ? error.stack : String(error)}`);
      send(response, jsonResponse(500, { error: "internal sandbox error" }));
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  baseUrl = url;
  publicUrl = url;

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        stopController.abort();
        clearInterval(dueTimer);
        if (reportTimer !== null) clearInterval(reportTimer);
        bank.stop();
        deferred.cancelAll();
        dispatcher.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
    charges: () => ledger.list(),
    disputes: () => disputes.list(),
    openDispute: (psp, pspReference, input = {}) => structuredClone(disputes.open(psp, pspReference, input)),
    expireDispute: (id) => structuredClone(disputes.expire(id)),
    announceReport: (psp, day) => reports.announce(psp, day ?? reports.yesterday()),
    setFaults(psp, value) {
      const parsed = parseFaults({ ...value, psp });
      faults.set(parsed.psp, parsed.faults);
    },
    clearFaults: () => faults.clear(),
    reset,
    configureWebhooks,
    webhookDeliveries: () => dispatcher.deliveries(),
    settlementCsv: csvFor,
    bank,
    async writeSettlementFiles(date) {
      const paths: string[] = [];
      for (const psp of PSP_NAMES) {
        const path = await writeSettlement(psp, date, csvFor(psp, date));
        if (path !== null) paths.push(path);
      }
      return paths;
    },
  };
}
