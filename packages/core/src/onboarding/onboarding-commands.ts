// The one write path for merchants' onboarding (issue 22): business details (from the merchant's API key or an
// operator), documents (checked like dispute evidence: PDF, PNG or JPEG by content, bounded, with their SHA-256),
// operators' decisions with a note, and restrictions by a named rule (risk signals, sanctions). Each status change
// goes through the state table, is written conditionally on the version read (the database's trigger guards it
// again) with its onboarding event, operator audit row and `account.updated` outbox message in one transaction.
import { type EvidenceFileInput, validEvidence } from "../disputes/dispute-evidence";
import { DomainError } from "../errors/domain-error";
import type { Actor, AuditDraft } from "../ports/audit";
import type { OnboardingEventDraft, OnboardingStore } from "../ports/onboarding-store";
import {
  type BusinessDetails,
  type BusinessDetailsInput,
  type OnboardingRecord,
  validBusinessDetails,
  validDecisionNote,
} from "./onboarding";
import {
  ONBOARDING_TOPIC,
  type OnboardingEvent,
  type OnboardingStatus,
  onboardingTransition,
} from "./onboarding-state-machine";

export interface OnboardingCommandsDeps {
  store: OnboardingStore;
  now: () => Date;
  /** Sanctions (issue 22): the merchant's names are screened again once its details change. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> };
}

/** Who acts: an operator (or the CLI), the merchant's own API key, or a rule of the platform. */
export interface OnboardingActor extends Actor {
  source: "API" | "OPERATOR" | "SYSTEM";
}

/** Details may change until the merchant is verified, and while it is restricted (to be reviewed again). */
const DETAILS_EDITABLE: readonly OnboardingStatus[] = ["PENDING_VERIFICATION", "RESTRICTED"];
const CONFLICT_RETRY_MAX = 5;

function detailsAudit(details: BusinessDetails) {
  // The representative's date of birth stays out of the audit log (personal data); the record keeps it.
  return {
    legalName: details.legalName,
    country: details.country,
    registrationNumber: details.registrationNumber,
    representativeName: details.representativeName,
    website: details.website,
    expectedMonthlyVolume: details.expectedMonthlyVolume.amountMinor.toString(),
    expectedVolumeCurrency: details.expectedMonthlyVolume.currency,
  };
}

export function onboardingView(record: OnboardingRecord) {
  return { id: record.merchantId, onboardingStatus: record.status, version: record.version };
}

export class OnboardingCommands {
  constructor(private readonly deps: OnboardingCommandsDeps) {}

  /** Null when there is no such merchant. */
  find(merchantId: string): Promise<OnboardingRecord | null> {
    return this.deps.store.find(merchantId);
  }

  /** Submits (or replaces) the business details; null when there is no such merchant. */
  async submitDetails(
    actor: OnboardingActor,
    merchantId: string,
    input: BusinessDetailsInput,
  ): Promise<OnboardingRecord | null> {
    const details = validBusinessDetails(input, this.deps.now());
    for (let attempt = 0; attempt < CONFLICT_RETRY_MAX; attempt++) {
      const before = await this.deps.store.find(merchantId);
      if (before === null) return null;
      if (!DETAILS_EDITABLE.includes(before.status))
        throw new DomainError(
          "ONBOARDING_STATE_INVALID",
          `The merchant is ${before.status}: its details no longer change through onboarding.`,
        );
      const saved = await this.deps.store.saveDetails(
        merchantId,
        before.version,
        details,
        this.event(actor, "onboarding.details_submitted", before.status, before.status, null, null, {}),
        {
          actor,
          action: "merchant.onboarding_details",
          targetId: merchantId,
          before: before.details ? detailsAudit(before.details) : null,
          after: detailsAudit(details),
        },
      );
      if (saved) {
        await this.deps.screening?.screenMerchant(merchantId, "DETAILS_UPDATED");
        return saved;
      }
    }
    throw conflict();
  }

  /** An operator's decision with its note. APPROVE needs the business details. Null: no such merchant. */
  async decide(
    actor: Actor,
    merchantId: string,
    decision: OnboardingEvent,
    note: unknown,
  ): Promise<OnboardingRecord | null> {
    const text = validDecisionNote(note);
    return this.change({ ...actor, source: "OPERATOR" }, merchantId, decision, null, text, {}, true);
  }

  /**
   * A rule restricts the merchant (risk signals, a confirmed sanctions match); the rule is named in the event and
   * the audit row. Answers null when there is no such merchant, and the record unchanged when it is already
   * restricted or rejected.
   */
  async restrictByRule(
    merchantId: string,
    rule: string,
    data: Record<string, string | number | boolean | null>,
  ): Promise<OnboardingRecord | null> {
    const actor: OnboardingActor = { operatorId: null, name: `system:${rule}`, source: "SYSTEM" };
    return this.change(actor, merchantId, "RESTRICT", rule, `Restricted by the rule ${rule}.`, data, false);
  }

  /** Documents for the review, checked like dispute evidence; null when there is no such merchant. */
  async addDocuments(
    actor: OnboardingActor,
    merchantId: string,
    files: readonly EvidenceFileInput[],
  ): Promise<{ fileIds: string[] } | null> {
    if (files.length === 0)
      throw new DomainError("EVIDENCE_INVALID", "Attach at least one file.", { field: ["files"] });
    const { files: drafts } = validEvidence({}, files);
    const before = await this.deps.store.find(merchantId);
    if (before === null) return null;
    const summary = drafts.map((file) => `${file.filename} (${file.sha256})`).join(", ");
    const fileIds = await this.deps.store.addDocuments(
      merchantId,
      drafts,
      this.event(actor, "onboarding.documents_added", before.status, before.status, null, null, {
        files: drafts.length,
      }),
      {
        actor,
        action: "merchant.onboarding_documents",
        targetId: merchantId,
        before: null,
        after: { files: summary },
      },
    );
    return fileIds && { fileIds };
  }

  private async change(
    actor: OnboardingActor,
    merchantId: string,
    decision: OnboardingEvent,
    rule: string | null,
    note: string,
    data: Record<string, string | number | boolean | null>,
    strict: boolean,
  ): Promise<OnboardingRecord | null> {
    for (let attempt = 0; attempt < CONFLICT_RETRY_MAX; attempt++) {
      const before = await this.deps.store.find(merchantId);
      if (before === null) return null;
      const next = onboardingTransition(before.status, decision);
      if (next === null) {
        if (!strict) return before;
        throw new DomainError(
          "ONBOARDING_STATE_INVALID",
          `A ${before.status.toLowerCase().replace("_", " ")} merchant cannot be ${decision === "APPROVE" ? "approved" : decision === "REJECT" ? "rejected" : "restricted"}.`,
        );
      }
      if (decision === "APPROVE" && before.details === null)
        throw new DomainError(
          "ONBOARDING_DETAILS_MISSING",
          "The merchant's business details are needed before it can be verified.",
        );
      const audit: AuditDraft = {
        actor,
        action: `merchant.onboarding_${decision.toLowerCase()}`,
        targetId: merchantId,
        before: { onboardingStatus: before.status },
        after: { onboardingStatus: next, note, ...(rule ? { rule } : {}) },
      };
      const changed = await this.deps.store.transition(
        merchantId,
        { version: before.version, status: before.status },
        next,
        this.event(actor, `onboarding.${decision.toLowerCase()}`, before.status, next, rule, note, data),
        audit,
        {
          topic: ONBOARDING_TOPIC,
          payload: onboardingView({ ...before, status: next, version: before.version + 1 }),
        },
      );
      if (changed) return changed;
    }
    throw conflict();
  }

  private event(
    actor: OnboardingActor,
    type: string,
    oldStatus: OnboardingStatus,
    newStatus: OnboardingStatus,
    rule: string | null,
    note: string | null,
    data: OnboardingEventDraft["data"],
  ): OnboardingEventDraft {
    return { type, oldStatus, newStatus, source: actor.source, actor: actor.name, rule, note, data };
  }
}

function conflict(): DomainError {
  return new DomainError("ONBOARDING_STATE_INVALID", "The onboarding changed meanwhile; reload and retry.", {
    retryable: true,
  });
}
