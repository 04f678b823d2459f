// Tamper evidence for the ledger and the operator audit log: each sealed row's
// hash covers its canonical encoding and the previous seal's hash, so editing,
// deleting or inserting a sealed row breaks the chain from that row on. Pure:
// the sealing worker and the verifiers supply the rows and the seals.
import { createHash } from "node:crypto";

/** One chain per kind of row. */
export const CHAIN_STREAMS = ["journal", "operator_audit"] as const;
export type ChainStream = (typeof CHAIN_STREAMS)[number];

/** The prev_hash of each stream's first seal. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainedLedgerLine {
  id: bigint;
  accountId: string;
  direction: string;
  amountMinor: bigint;
  currency: string;
  createdAt: Date;
}

export interface ChainedJournalEntry {
  id: string;
  merchantId: string;
  mode: string;
  kind: string;
  paymentId: string | null;
  refundId: string | null;
  currency: string;
  createdAt: Date;
  lines: readonly ChainedLedgerLine[];
}

export interface ChainedAuditEntry {
  id: bigint;
  operatorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  /** Postgres's text form of the jsonb value (canonical: sorted keys, exact numbers), or null. */
  beforeJson: string | null;
  afterJson: string | null;
  createdAt: Date;
}

/**
 * The canonical encoding of a journal entry and all its lines: a JSON array of strings and nulls in a fixed
 * order (no object keys, so no key-order ambiguity), amounts as digit strings, lines ordered by id. The
 * version tag lets a later encoding coexist with seals made under this one.
 */
export function encodeJournalEntry(entry: ChainedJournalEntry): string {
  const lines = [...entry.lines]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((line) => [
      line.id.toString(),
      line.accountId,
      line.direction,
      line.amountMinor.toString(),
      line.currency,
      line.createdAt.toISOString(),
    ]);
  return JSON.stringify([
    "journal/v1",
    entry.id,
    entry.merchantId,
    entry.mode,
    entry.kind,
    entry.paymentId,
    entry.refundId,
    entry.currency,
    entry.createdAt.toISOString(),
    lines,
  ]);
}

/** The canonical encoding of one operator audit row (see encodeJournalEntry). */
export function encodeAuditEntry(entry: ChainedAuditEntry): string {
  return JSON.stringify([
    "operator_audit/v1",
    entry.id.toString(),
    entry.operatorId,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.beforeJson,
    entry.afterJson,
    entry.createdAt.toISOString(),
  ]);
}

/** SHA-256 (hex) over the previous seal's hash and this row's encoding. */
export function chainHash(prevHash: string, encoding: string): string {
  return createHash("sha256").update(prevHash).update("\n").update(encoding).digest("hex");
}

/** One stored seal, as the verifier reads it back. */
export interface ChainSealRecord {
  seq: bigint;
  rowId: string;
  prevHash: string;
  hash: string;
}

export type ChainBreakKind =
  /** A seal is missing between two others. */
  | "SEQ_GAP"
  /** A seal does not link to the seal before it (a seal was rewritten). */
  | "PREV_HASH_MISMATCH"
  /** The sealed row no longer exists. */
  | "ROW_MISSING"
  /** The sealed row (or, for a journal entry, one of its lines) changed, or lines were added or removed. */
  | "CONTENT_CHANGED"
  /** The stream's head does not name the last seal. */
  | "HEAD_MISMATCH"
  /** A row sits behind the head (already past the sealer) without a seal: inserted after the fact. */
  | "UNSEALED_ROW"
  /**
   * The seal an earlier verification ended at is gone or no longer the one verified (an incremental
   * verification's start): history before it was rewritten.
   */
  | "ANCHOR_CHANGED";

/** The first place a chain is broken: enough for an operator to find the row. */
export interface ChainBreak {
  stream: ChainStream;
  kind: ChainBreakKind;
  /** The seal where the break shows; null for an unsealed row. */
  seq: bigint | null;
  /** The journal entry id or audit row id. */
  rowId: string | null;
  detail: string;
}

export type ChainVerification =
  | { stream: ChainStream; ok: true; sealedCount: bigint; headHash: string }
  | { stream: ChainStream; ok: false; sealedCount: bigint; firstBreak: ChainBreak };

/**
 * Walks one stream's seals in seq order and stops at the first break. Feed it every seal with its row's
 * current encoding (null when the row is gone), then `finish` with the head.
 */
export class ChainVerifier {
  private nextSeq: bigint;
  private prevHash: string;
  private broken: ChainBreak | null = null;

  /**
   * @param start a seal already verified (by an earlier walk) to continue from; the first seal fed must then be
   *   the one after it and link to its hash. Without it the walk starts at the genesis hash.
   */
  constructor(
    readonly stream: ChainStream,
    start?: { seq: bigint; hash: string },
  ) {
    this.nextSeq = (start?.seq ?? 0n) + 1n;
    this.prevHash = start?.hash ?? GENESIS_HASH;
  }

  /** Seals checked so far. */
  get checkedCount(): bigint {
    return this.nextSeq - 1n;
  }

  get firstBreak(): ChainBreak | null {
    return this.broken;
  }

  /** Checks the next seal; returns the break if this seal is the first broken one (then stop feeding). */
  check(seal: ChainSealRecord, encoding: string | null): ChainBreak | null {
    if (this.broken) return this.broken;
    const at = { stream: this.stream, seq: seal.seq, rowId: seal.rowId };
    if (seal.seq !== this.nextSeq) {
      return this.fail({
        ...at,
        kind: "SEQ_GAP",
        detail: `expected seal ${this.nextSeq}, found ${seal.seq}`,
      });
    }
    if (seal.prevHash !== this.prevHash) {
      return this.fail({
        ...at,
        kind: "PREV_HASH_MISMATCH",
        detail: `prev_hash ${seal.prevHash} is not the previous seal's hash ${this.prevHash}`,
      });
    }
    if (encoding === null) {
      return this.fail({ ...at, kind: "ROW_MISSING", detail: "the sealed row was deleted" });
    }
    const recomputed = chainHash(this.prevHash, encoding);
    if (recomputed !== seal.hash) {
      return this.fail({
        ...at,
        kind: "CONTENT_CHANGED",
        detail: `the row's content changed since it was sealed (hash now ${recomputed}, sealed ${seal.hash})`,
      });
    }
    this.nextSeq += 1n;
    this.prevHash = seal.hash;
    return null;
  }

  /** Records that the seal a walk continues from is not the one verified before. */
  anchorChanged(seq: bigint, rowId: string | null, detail: string): ChainBreak {
    return this.fail({ stream: this.stream, kind: "ANCHOR_CHANGED", seq, rowId, detail });
  }

  /** Records a row found behind the head without a seal. */
  unsealedRow(rowId: string): ChainBreak {
    return this.fail({
      stream: this.stream,
      kind: "UNSEALED_ROW",
      seq: null,
      rowId,
      detail: "the row is older than the newest seal but has no seal: it was inserted after the fact",
    });
  }

  /** Ends the walk: the head must name the last seal checked. */
  finish(head: { seq: bigint; hash: string }): ChainVerification {
    if (!this.broken && (head.seq !== this.checkedCount || head.hash !== this.prevHash)) {
      this.fail({
        stream: this.stream,
        kind: "HEAD_MISMATCH",
        seq: head.seq,
        rowId: null,
        detail: `head is seal ${head.seq} (${head.hash}), the last seal is ${this.checkedCount} (${this.prevHash})`,
      });
    }
    return this.broken
      ? { stream: this.stream, ok: false, sealedCount: this.checkedCount, firstBreak: this.broken }
      : { stream: this.stream, ok: true, sealedCount: this.checkedCount, headHash: this.prevHash };
  }

  private fail(chainBreak: ChainBreak): ChainBreak {
    this.broken = chainBreak;
    return chainBreak;
  }
}
