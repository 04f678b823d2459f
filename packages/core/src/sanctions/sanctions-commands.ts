// The one write path for sanctions screening (issue 22): list imports (each a new list version), screenings of a
// merchant's names (its name, legal name, representative and payout bank-account holders) against the newest
// version of each list, and operators' decisions on hits. A screening is recorded whatever its outcome, with the
// list versions it used; a score at or above the threshold opens a hit, which blocks payouts until decided; a
// confirmed hit freezes the merchant (no live payments, no payouts).
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import { validDecisionNote } from "../onboarding/onboarding";
import type { Actor } from "../ports/audit";
import type {
  ListedNameDraft,
  SanctionsCandidate,
  SanctionsHitRecord,
  SanctionsListVersionRecord,
  SanctionsSource,
  SanctionsStore,
} from "../ports/sanctions-store";
import { NAME_LENGTH_MAX, normalizedSimilarity, normalizeName, storedScore } from "./name-matching";
import { type SanctionsHitDecision, sanctionsHitTransition } from "./sanctions-hit-state-machine";

/** A list file may hold at most this many names (the OFAC and EU lists hold a few tens of thousands). */
export const LIST_NAMES_MAX = 500_000;
const IMPORT_BATCH = 1_000;
/** Candidates per screened name fetched by trigram similarity before Jaro-Winkler scores them. */
const CANDIDATES_MAX = 50;
/** Hits opened per screened name at most (the best ones). */
const HITS_PER_NAME_MAX = 5;

export interface ListedName {
  entryRef: string;
  entryType: string;
  programs: string;
  name: string;
}

export interface SanctionsCommandsDeps {
  store: SanctionsStore;
  /** SANCTIONS_MATCH_THRESHOLD, in (0, 1]. */
  threshold: number;
}

function listInvalid(message: string): DomainError {
  return new DomainError("SANCTIONS_LIST_INVALID", message);
}

export class SanctionsCommands {
  constructor(private readonly deps: SanctionsCommandsDeps) {
    if (!(deps.threshold > 0 && deps.threshold <= 1)) throw new Error("the match threshold is in (0, 1]");
  }

  /** The newest version of each list. */
  currentVersions(): Promise<SanctionsListVersionRecord[]> {
    return this.deps.store.currentVersions();
  }

  get threshold(): number {
    return this.deps.threshold;
  }

  /** Imports a parsed list as a new version (all or nothing). */
  async importList(
    actor: Actor,
    source: SanctionsSource,
    file: { filename: string; sha256: string },
    names: AsyncIterable<ListedName>,
  ): Promise<SanctionsListVersionRecord> {
    const id = newId("sanctionsListVersion");
    async function* batches(): AsyncIterable<ListedNameDraft[]> {
      let batch: ListedNameDraft[] = [];
      let count = 0;
      for await (const listed of names) {
        if (++count > LIST_NAMES_MAX) throw listInvalid(`A list holds at most ${LIST_NAMES_MAX} names.`);
        const name = listed.name.trim().replace(/\s+/g, " ").slice(0, NAME_LENGTH_MAX);
        const normalized = normalizeName(name);
        if (normalized.length === 0) continue;
        if (!listed.entryRef || listed.entryRef.length > 64)
          throw listInvalid(`Entry ${count}: bad reference.`);
        batch.push({
          entryRef: listed.entryRef,
          entryType: listed.entryType.slice(0, 32),
          programs: listed.programs.slice(0, 500),
          name,
          normalized,
        });
        if (batch.length >= IMPORT_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
    const version = await this.deps.store.importVersion(
      { id, source, filename: file.filename.slice(0, 255), sha256: file.sha256, importedBy: actor.name },
      batches(),
      {
        actor,
        action: "sanctions.import",
        targetId: id,
        before: null,
        after: { source, filename: file.filename.slice(0, 255), sha256: file.sha256 },
      },
    );
    if (version.nameCount === 0) throw listInvalid("The file holds no listed name.");
    return version;
  }

  /** Screens every name of one merchant against the newest versions; answers the hits opened. */
  async screenMerchant(
    merchantId: string,
    reason: string,
  ): Promise<{ screened: number; openedHits: number }> {
    const versions = await this.deps.store.currentVersions();
    const versionIds = versions.map((version) => version.id);
    const sourceOf = new Map(versions.map((version) => [version.id, version.source]));
    let openedHits = 0;
    const subjects = await this.deps.store.subjectsOf(merchantId);
    for (const subject of subjects) {
      const normalized = normalizeName(subject.name);
      const scored =
        versionIds.length === 0 || normalized.length === 0
          ? []
          : (await this.deps.store.candidates(normalized, versionIds, CANDIDATES_MAX))
              .map((candidate) => ({
                candidate,
                score: normalizedSimilarity(normalized, candidate.normalized),
              }))
              .sort((a, b) => b.score - a.score);
      const hits = scored
        .filter((entry) => entry.score >= this.deps.threshold)
        .filter(
          (entry, index, all) =>
            all.findIndex((other) => sameParty(other.candidate, entry.candidate)) === index,
        )
        .slice(0, HITS_PER_NAME_MAX)
        .map((entry) => ({
          id: newId("sanctionsHit"),
          candidate: {
            ...entry.candidate,
            source: sourceOf.get(entry.candidate.listVersionId) ?? entry.candidate.source,
          },
          score: storedScore(entry.score),
        }));
      const recorded = await this.deps.store.recordScreening({
        ...subject,
        id: newId("sanctionsScreening"),
        normalized,
        listVersionIds: versionIds,
        threshold: this.deps.threshold.toFixed(4),
        bestScore: scored[0] ? storedScore(scored[0].score) : null,
        reason,
        hits,
      });
      openedHits += recorded.openedHits;
    }
    return { screened: subjects.length, openedHits };
  }

  /** The worker's pass: merchants not yet screened against the newest versions (after an import). */
  async screenPending(limit = 50): Promise<{ merchants: number; openedHits: number }> {
    const versions = await this.deps.store.currentVersions();
    if (versions.length === 0) return { merchants: 0, openedHits: 0 };
    const merchants = await this.deps.store.merchantsToScreen(
      versions.map((version) => version.id),
      limit,
    );
    let openedHits = 0;
    for (const merchantId of merchants)
      openedHits += (await this.screenMerchant(merchantId, "LIST_VERSION")).openedHits;
    return { merchants: merchants.length, openedHits };
  }

  /** An operator's decision on a hit, with a note; CONFIRMED freezes the merchant in the same transaction. */
  async decideHit(
    actor: Actor,
    hitId: string,
    decision: SanctionsHitDecision,
    note: unknown,
  ): Promise<SanctionsHitRecord> {
    const text = validDecisionNote(note);
    const hit = await this.deps.store.findHit(hitId);
    if (hit === null)
      throw new DomainError("SANCTIONS_HIT_NOT_FOUND", "No such sanctions hit.", { field: ["hitId"] });
    const next = sanctionsHitTransition(hit.status, decision);
    if (next === null)
      throw new DomainError(
        "SANCTIONS_HIT_DECIDED",
        `The hit was already decided (${hit.status.toLowerCase()}).`,
      );
    const decided = await this.deps.store.decideHit(
      hit,
      next,
      { decision, decidedBy: actor.name, note: text, freezeMerchant: next === "CONFIRMED" },
      {
        actor,
        action: `sanctions.hit_${decision.toLowerCase()}`,
        targetId: hit.merchantId,
        before: { hitId: hit.id, status: hit.status },
        after: {
          hitId: hit.id,
          status: next,
          note: text,
          listedName: hit.listedName,
          source: hit.source,
          entryRef: hit.entryRef,
          score: hit.score,
          ...(next === "CONFIRMED" ? { merchantFrozen: true } : {}),
        },
      },
    );
    if (decided === null)
      throw new DomainError("SANCTIONS_HIT_DECIDED", "The hit was decided meanwhile; reload.", {
        retryable: false,
      });
    return decided;
  }
}

function sameParty(a: SanctionsCandidate, b: SanctionsCandidate): boolean {
  return a.listVersionId === b.listVersionId && a.entryRef === b.entryRef;
}
