// What one PSP is to the platform. Everything PSP-specific lives in its own folder, src/psps/<psp>/: its SDK
// adapter (the calls behind packages/core/src/psp/psp-port.ts), its webhook signature check and the mapping of
// its events onto the core's small union of notifications, and its test cards. The folder's index.ts exports
// one PspModule, and registry.ts lists the modules, one line each. The app, the live accounts and the webhook
// routes reach a PSP only through this descriptor.
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type { PaymentServiceProvider } from "@paycore/core/psp/psp-port";
import type { PspProfile } from "@paycore/core/psp/routing";
import type { PspAccountRules, PspName } from "@paycore/core/psp-accounts/psp-account";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import type { SandboxCard } from "@paycore/psp-testkit/test-cards";
import type { AppSecrets } from "../secrets";
import type { ConnectionCheck } from "./credentials";
import type { EventCoverage } from "./event-coverage";

/** A PSP's SDK adapter: the port, plus the credential check operators run against a live account. */
export interface PspAdapter extends PaymentServiceProvider {
  checkConnection(): Promise<ConnectionCheck>;
}

/** Where and with what an adapter reaches its PSP. */
export interface PspConnection {
  /** The PSP's API base URL (in test mode, the sandbox server's URL plus the module's `sandbox.path`). */
  endpoint: string;
  apiKey: string;
  /** The merchant account, for PSPs that scope every call by one (Adyen); null otherwise. */
  merchantAccount: string | null;
  /** Per request; past it the outcome is unknown and resolved later. */
  timeoutMs: number;
  /**
   * Renders dispute evidence as PDF for PSPs that take documents only (Adyen): given by the runtime
   * (documents/evidence-pdf.ts), so the PSP folders stay self-contained. Absent: such a PSP refuses text evidence.
   */
  evidencePdf?: EvidencePdfRenderer;
}

/** Dispute evidence as PDF: the texts as one document, an image wrapped in one; the same bytes every time. */
export interface EvidencePdfRenderer {
  /** documents: those sent beside the texts, listed in the PDF by their kind's label and file name. */
  texts(
    disputeReference: string,
    texts: Readonly<Record<string, string>>,
    documents?: ReadonlyArray<{ label: string; filename: string }>,
  ): Promise<Uint8Array>;
  /** label: the heading above the image (the document's kind and file name). */
  image(title: string, image: Uint8Array, label?: string): Promise<Uint8Array>;
}

/** A secret a notification may be signed with: test mode's, or one of the live account's (current first). */
export interface WebhookSecret {
  secret: string;
  live: boolean;
}

/** One verified event of a notification, stored once under (PSP, id) before it is applied. */
export interface WebhookEvent {
  /** The PSP's own dedupe key for the event. */
  id: string;
  type: string;
  payload: unknown;
}

export type WebhookVerification =
  /** `live`: the secret that verified is the live account's, so the live account confirms the events. */
  | { verified: true; events: WebhookEvent[]; live: boolean }
  /** Refused before anything is stored: a bad, stale or future-dated signature, or an unreadable body. */
  | { verified: false; status: 400 | 401; message: string };

/** A dispute event read onto the core's dispute notification (null: a dispute event we could not read). */
export interface DisputeEvent {
  notification: DisputeNotification | null;
  /** The PSP reference a dead letter is filed under. */
  reference: string | null;
  /** False when the event says nothing happened (e.g. a failed Adyen item): stored, nothing applied. */
  apply: boolean;
}

export interface NormaliseContext<A extends PspAdapter> {
  pspName: PspName;
  /** The adapter of the account whose secret verified the notification, for PSPs whose events are confirmed. */
  adapter(): Promise<A>;
}

export interface PspWebhook<A extends PspAdapter> {
  /** Checks the signature on the raw body against the candidate secrets, then parses the events. */
  verify(request: {
    headers: Headers;
    body: string;
    secrets: readonly WebhookSecret[];
    nowMs: number;
  }): WebhookVerification;
  /**
   * The core's notifications for one stored event (none for an event that changes nothing of ours). Throws
   * when the PSP cannot be asked to confirm it: the route then asks for the notification again.
   */
  normalise(event: WebhookEvent, context: NormaliseContext<A>): Promise<PspNotification[]>;
  /**
   * The notifications of a stored event's payload read as it was sent, with no call to the PSP: an operator's
   * replay of a dead letter (the state machine still refuses anything that would move a payment backwards).
   */
  fromStored(payload: unknown, pspName: PspName): PspNotification[];
  /**
   * Whether the route applies an event type, only stores it (informational: shown, nothing to apply), or
   * dead-letters it as `unsupported event type`: nothing a PSP says is ignored.
   */
  coverage(type: string): EventCoverage;
  /** The PSP reference a stored event's dead letter is filed under (null when the event names none). */
  reference(payload: unknown): string | null;
  /**
   * A stored event's payload as a dispute notification, live or replayed; undefined when the event is not about
   * a dispute (it then goes through `normalise`).
   */
  dispute(payload: unknown, pspName: PspName): DisputeEvent | undefined;
  /**
   * The settlement report a stored event announces (Adyen's REPORT_AVAILABLE, Stripe's succeeded report run), as
   * sent (the route validates it through the core); undefined when the event announces none.
   */
  report?(payload: unknown): { fileName: unknown; url: unknown } | undefined;
  /** The answer once every event is durably stored; `duplicate`: every one had been stored before. */
  acknowledge(duplicate: boolean): { status: number; contentType: string; body: string };
}

/** How test mode reaches the sandbox server's emulation of the PSP (apps/psp-sandbox). */
export interface PspSandbox {
  /** Appended to PSP_SANDBOX_URL: the emulation's base URL. */
  path: string;
  apiKey: string;
  merchantAccount: string | null;
  /** The secret the sandbox signs this PSP's webhooks with. */
  webhookSecret(secrets: AppSecrets): string;
  /** The Authorization header its announced settlement reports are downloaded with (issue 16). */
  reportAuthorization: string;
}

/**
 * A PSP whose settlement reports paycore reads: the layout is one the core's reconciliation knows
 * (packages/core/src/reconciliation/settlement-line.ts), and it is the PSP's own name, because imports and
 * downloads are kept per PSP.
 */
export interface PspSettlementReports<A extends PspAdapter> {
  readonly layout: SettlementPsp;
  /** Where a live account's report files are served (an account on a loopback endpoint serves its own). */
  readonly liveOrigin: string;
  /** The Authorization header a report download is sent with, from the account's report credential. */
  authorization(credential: string): string;
  /**
   * Whether test mode pulls the previous days' reports from the sandbox server's daily files
   * (/__sandbox/settlements/<psp>/<day>.csv): the sandbox emulation publishes them.
   */
  readonly sandboxDailyFiles: boolean;
  /** The report runs an account lists (Stripe), so a lost announcement is made up for; absent: none. */
  succeededReportRuns?(
    adapter: A,
    createdSinceS: number,
    limit: number,
  ): Promise<Array<{ id: string; url: string | null }>>;
}

export interface PspModule<A extends PspAdapter = PspAdapter> {
  /** The PSP's name: its webhook route (/webhooks/<id>), its routing name, its live accounts' `psp`. */
  readonly id: PspName;
  /** What routing weighs: its price, and the currencies it settles ("any" or ISO 4217 codes). */
  readonly profile: PspProfile;
  createAdapter(connection: PspConnection): A;
  readonly webhook: PspWebhook<A>;
  /** The magic card numbers of its test mode and what each does. */
  readonly testCards: ReadonlyArray<SandboxCard>;
  /** Absent when the sandbox server does not emulate the PSP: test mode then does not offer it. */
  readonly sandbox?: PspSandbox;
  /** What a live account of the PSP must carry (merchant account, secret shapes), checked by the core's commands. */
  readonly accountRules: PspAccountRules;
  /** A live account's endpoint as operators enter it (the console form's example). */
  readonly liveEndpointExample: string;
  /** Absent: paycore does not read the PSP's settlement reports (no fetch, no download, no report-run poll). */
  readonly settlementReports?: PspSettlementReports<A>;
}
