// Live mode's PSPs, built from the PSP accounts operators configure: one client per active account, through
// the official SDK adapters and behind retries and a breaker, rebuilt when the account's credentials change.
// A PSP without an active account answers "unavailable" (nothing was sent), and a PSP that refuses the
// account's credentials fails the call and records the problem on the account: the operator alert. Neither
// ever falls back to test mode.
import { createHash } from "node:crypto";
import type { PspAccountStore } from "@paycore/core/ports/psp-account-store";
import type {
  DisputeEvidenceOutcome,
  DisputeEvidenceRequest,
  ModificationQuery,
  ModifyRequest,
  PaymentServiceProvider,
  PspOutcome,
} from "@paycore/core/psp/psp-port";
import { describeCredentialProblem, type PspName } from "@paycore/core/psp-accounts/psp-account";
import type { PspAccountCommands, PspCredentials } from "@paycore/core/psp-accounts/psp-account-commands";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import type { Logger } from "pino";
import { EVIDENCE_PDF } from "../documents/evidence-pdf";
import { type ConnectionCheck, CREDENTIALS_REJECTED } from "../psps/credentials";
import type { PspAdapter, PspModule } from "../psps/psp-module";
import { pspModule, pspNames } from "../psps/registry";
import { ResilientPsp } from "../psps/resilient-psp";
import { TransientPspError } from "../psps/transient-error";
import type { PspSet, RoutablePsp } from "./psp-router";

/** Accounts change rarely; each process re-reads them at most this often (and after every change it makes). */
const REFRESH_MS = 30_000;

interface LiveClient {
  accountId: string;
  /** Its module's routing profile. */
  profile: PspModule["profile"];
  /** A digest of what the client was built from: unchanged credentials keep the client (and its breaker). */
  digest: string;
  /** The PSP module's adapter, unwrapped: connection checks and webhook confirmations. */
  sdk: PspAdapter;
  psp: ResilientPsp;
  webhookSecrets: string[];
  /** Where the account's reports are downloaded from, and with what (null: not configured). */
  reports: { origin: string | null; credential: string | null };
  /** The account's endpoint and merchant account, for the report-run lister built with the report credentials. */
  endpoint: string;
  merchantAccount: string | null;
}

/**
 * Where a live account's report files are served: its PSP's report origin (the module's), or the account's own
 * origin when its endpoint is a loopback host (a sandbox or a local proxy as the live endpoint). Null: paycore
 * reads no settlement report of this PSP.
 */
function reportOrigin(psp: string, endpoint: string): string | null {
  const reports = pspModule(psp)?.settlementReports;
  if (reports === undefined) return null;
  const url = new URL(endpoint);
  return /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname) ? url.origin : reports.liveOrigin;
}

/** The Authorization header a report download is sent with, as the PSP's module builds it (null: no reports). */
export function reportAuthorization(psp: string, credential: string): string | null {
  return pspModule(psp)?.settlementReports?.authorization(credential) ?? null;
}

/** A live account whose report runs the report-run poll lists. */
export interface LiveReportRunSource {
  accountId: string;
  /** The report layout its runs are in (the PSP module's settlementReports.layout). */
  layout: SettlementPsp;
  succeededReportRuns(
    createdSinceS: number,
    limit: number,
  ): Promise<Array<{ id: string; url: string | null }>>;
}

export interface LivePspsOptions {
  accounts: Pick<PspAccountCommands, "credentials">;
  checks: Pick<PspAccountStore, "recordCheck">;
  timeoutMs: number;
  log: Logger;
  now?: () => Date;
}

export class LivePsps implements PspSet {
  // Keyed by PSP name; looked up by names from outside (a webhook path, a report's PSP, the CLI), so by string.
  private clients = new Map<string, LiveClient>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;
  private readonly proxies: Map<string, LivePspProxy>;
  private readonly now: () => Date;

  constructor(private readonly options: LivePspsOptions) {
    this.now = options.now ?? (() => new Date());
    this.proxies = new Map(pspNames().map((name) => [name, new LivePspProxy(name, this)]));
  }

  async routable(): Promise<RoutablePsp[]> {
    await this.fresh();
    return [...this.clients.entries()].map(([name, client]) => ({
      psp: this.proxies.get(name) as LivePspProxy,
      profile: client.profile,
      breakerState: () => client.psp.breakerState(),
    }));
  }

  /**
   * The breaker state of each live PSP client built so far, for the metrics' scrape: no refresh, no I/O (a client
   * is built when routing or a webhook first needs it, and rebuilt when its account changes).
   */
  breakerStates(): Array<{ psp: string; state: ReturnType<LiveClient["psp"]["breakerState"]> }> {
    return [...this.clients.entries()].map(([psp, client]) => ({ psp, state: client.psp.breakerState() }));
  }

  byName(name: string): PaymentServiceProvider | null {
    return this.proxies.get(name) ?? null;
  }

  /** The webhook secrets a live notification from this PSP may be signed with (current first). */
  async webhookSecrets(name: string): Promise<string[]> {
    await this.fresh();
    return this.clients.get(name)?.webhookSecrets ?? [];
  }

  /**
   * How the active live account of this PSP downloads its announced reports: its report origin and the
   * Authorization header, or a null authorization when the account has no report credentials; null when the PSP
   * has no active live account or paycore reads none of its reports (its module declares no settlementReports).
   */
  async reportCredentials(
    name: string,
  ): Promise<{ accountId: string; origin: string; authorization: string | null } | null> {
    await this.fresh();
    const client = this.clients.get(name);
    const origin = client?.reports.origin ?? null;
    if (!client || origin === null) return null;
    const { credential } = client.reports;
    return {
      accountId: client.accountId,
      origin,
      authorization: credential === null ? null : reportAuthorization(name, credential),
    };
  }

  /**
   * The active live accounts whose report runs can be listed (Stripe's report runs; Adyen announces its reports
   * only by notification): each one with report credentials configured, listed with those credentials (a key
   * allowed to read reports), from the account's endpoint. An account without report credentials is not listed:
   * its missing credentials are already a needs-attention item once it announces a report.
   */
  async reportRunSources(): Promise<LiveReportRunSource[]> {
    await this.fresh();
    const sources: LiveReportRunSource[] = [];
    for (const [psp, client] of this.clients) {
      const module = pspModule(psp);
      const reports = module?.settlementReports;
      const list = reports?.succeededReportRuns;
      if (
        module === null ||
        reports === undefined ||
        list === undefined ||
        client.reports.credential === null
      )
        continue;
      const lister = module.createAdapter({
        endpoint: client.endpoint,
        apiKey: client.reports.credential,
        merchantAccount: client.merchantAccount,
        timeoutMs: this.options.timeoutMs,
        evidencePdf: EVIDENCE_PDF,
      });
      sources.push({
        accountId: client.accountId,
        layout: reports.layout,
        succeededReportRuns: (since, limit) => list(lister, since, limit),
      });
    }
    return sources;
  }

  /**
   * Records that listing an account's report runs failed, as the account's alert (the PSP accounts page and the
   * overview's card), with anything key-like masked.
   */
  async recordReportRunFailure(accountId: string, message: string): Promise<void> {
    await this.options.checks.recordCheck(accountId, {
      at: this.now(),
      ok: false,
      error: describeCredentialProblem(`report runs could not be listed: ${message}`),
    });
  }

  /** Asks the PSP whether the account's credentials work, and records the answer on the account. */
  async checkConnection(name: string): Promise<ConnectionCheck & { accountId: string | null }> {
    await this.refresh();
    const client = this.clients.get(name);
    if (!client) return { ok: false, error: `no active live ${name} account`, accountId: null };
    const check = await client.sdk.checkConnection();
    const error = check.error === null ? null : describeCredentialProblem(check.error);
    await this.options.checks.recordCheck(client.accountId, { at: this.now(), ok: check.ok, error });
    return { ok: check.ok, error, accountId: client.accountId };
  }

  /** Forgets what was loaded: the next call reads the accounts again (after a change through this process). */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** The current client of a PSP, or null when no active account is configured. */
  async client(name: string): Promise<LiveClient | null> {
    await this.fresh();
    return this.clients.get(name) ?? null;
  }

  /** A live call's verdict on the credentials: a refusal becomes the account's alert. */
  async observe(client: LiveClient, outcome: PspOutcome, operation: string): Promise<void> {
    if (outcome.outcome !== "failed" || outcome.code !== CREDENTIALS_REJECTED) return;
    const error = `credentials rejected by the PSP on ${operation}`;
    this.options.log.error(
      { accountId: client.accountId, operation },
      "live PSP refused the account's credentials",
    );
    await this.options.checks
      .recordCheck(client.accountId, { at: this.now(), ok: false, error })
      .catch((failure: unknown) => this.options.log.warn({ err: failure }, "could not record the PSP alert"));
  }

  private async fresh(): Promise<void> {
    if (this.now().getTime() - this.loadedAt < REFRESH_MS) return;
    await this.refresh();
  }

  /** Single flight: concurrent callers share one load. A failed load keeps the clients already built. */
  private refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    let credentials: PspCredentials[];
    try {
      credentials = await this.options.accounts.credentials("LIVE");
    } catch (error) {
      this.options.log.warn({ err: error }, "could not load live PSP accounts; keeping the previous ones");
      if (this.loadedAt === Number.NEGATIVE_INFINITY) throw error;
      return;
    }
    const next = new Map<string, LiveClient>();
    for (const credential of credentials) {
      const module = pspModule(credential.account.psp);
      if (module === null) {
        // An account of a PSP no longer registered: nothing can speak to it; the operator disables it.
        this.options.log.warn({ account: credential.account.id }, "live PSP account of an unregistered PSP");
        continue;
      }
      const digest = createHash("sha256")
        .update(
          JSON.stringify([
            credential.account.id,
            credential.account.endpoint,
            credential.account.merchantAccount,
            credential.apiKey,
          ]),
        )
        .digest("hex");
      const existing = this.clients.get(credential.account.psp);
      if (existing?.digest === digest) {
        next.set(credential.account.psp, {
          ...existing,
          webhookSecrets: credential.webhookSecrets,
          reports: {
            origin: reportOrigin(credential.account.psp, credential.account.endpoint),
            credential: credential.reportCredential,
          },
        });
        continue;
      }
      const sdk = this.build(module, credential);
      next.set(credential.account.psp, {
        accountId: credential.account.id,
        profile: module.profile,
        digest,
        sdk,
        psp: new ResilientPsp(sdk),
        webhookSecrets: credential.webhookSecrets,
        reports: {
          origin: reportOrigin(credential.account.psp, credential.account.endpoint),
          credential: credential.reportCredential,
        },
        endpoint: credential.account.endpoint,
        merchantAccount: credential.account.merchantAccount,
      });
    }
    this.clients = next;
    this.loadedAt = this.now().getTime();
  }

  private build(module: PspModule, credential: PspCredentials): PspAdapter {
    const { account, apiKey } = credential;
    return module.createAdapter({
      endpoint: account.endpoint,
      apiKey,
      merchantAccount: account.merchantAccount,
      timeoutMs: this.options.timeoutMs,
      evidencePdf: EVIDENCE_PDF,
    });
  }
}

/**
 * What the payment commands hold for a live PSP: each call goes to the account's current client, so a
 * payment authorized before a key rotation is captured with the new key.
 */
class LivePspProxy implements PaymentServiceProvider {
  constructor(
    readonly name: PspName,
    private readonly live: LivePsps,
  ) {}

  authorize(request: Parameters<PaymentServiceProvider["authorize"]>[0]): Promise<PspOutcome> {
    return this.call("authorize", (psp) => psp.authorize(request));
  }

  capture(request: ModifyRequest): Promise<PspOutcome> {
    return this.call("capture", (psp) => psp.capture(request));
  }

  void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.call("void", (psp) => psp.void(request));
  }

  refund(request: ModifyRequest): Promise<PspOutcome> {
    return this.call("refund", (psp) => psp.refund(request));
  }

  lookupModification(query: ModificationQuery): Promise<PspOutcome> {
    return this.call("lookup", (psp) => psp.lookupModification(query));
  }

  async submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
    const client = await this.live.client(this.name);
    if (!client) return { outcome: "unknown", message: `no active live ${this.name} account is configured` };
    return client.psp.submitDisputeEvidence(request);
  }

  async status(pspReference: string) {
    const client = await this.live.client(this.name);
    // Never reached the PSP: the resolver waits and asks again, it learns nothing from this try.
    if (!client) throw new TransientPspError("refused", `no active live ${this.name} account`);
    return client.psp.status(pspReference);
  }

  private async call(
    operation: string,
    run: (psp: ResilientPsp) => Promise<PspOutcome>,
  ): Promise<PspOutcome> {
    const client = await this.live.client(this.name);
    if (!client)
      return { outcome: "unavailable", message: `no active live ${this.name} account is configured` };
    const outcome = await run(client.psp);
    await this.live.observe(client, outcome, operation);
    return outcome;
  }
}
