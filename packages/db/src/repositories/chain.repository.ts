// The hash chains over journal entries and the operator audit log (tamper
// evidence). Sealing happens after the rows commit, never in the writer's
// transaction: a row is sealed once its transaction id (`txid`, written by the
// column default) is below the xmin of the sealer's snapshot, i.e. older than
// every transaction still running, so no row can ever turn up later with a
// place before it. Rows are chained in (txid, id) order, which is final once
// sealed. One process seals a stream at a time: the stream's head row is
// locked FOR UPDATE SKIP LOCKED, and a second sealer skips that stream.
import type {
  ChainedAuditEntry,
  ChainedJournalEntry,
  ChainSealRecord,
  ChainStream,
  ChainVerification,
} from "@paycore/core/ledger/hash-chain";
import {
  ChainVerifier,
  chainHash,
  encodeAuditEntry,
  encodeJournalEntry,
} from "@paycore/core/ledger/hash-chain";
import type { Sql, SqlTransaction } from "../sql";

/** Largest batch one sealing transaction reads and seals. */
export const SEAL_BATCH_SIZE_MAX = 1000;
/** Seals the verifier reads per page. */
const VERIFY_PAGE_SIZE = 500;

interface HeadRow {
  seq: bigint;
  hash: string;
  lastTxid: bigint;
  lastRowId: string;
}

/** A row ready to be sealed: its id, its transaction id and its canonical encoding. */
interface SealCandidate {
  rowId: string;
  txid: bigint;
  encoding: string;
}

export interface SealResult {
  stream: ChainStream;
  /** Rows sealed by this call; 0 when there was nothing to seal or another sealer held the stream. */
  sealed: number;
  /** True when this call locked the stream's head (false: nothing was sealable, or another process held it). */
  locked: boolean;
}

export interface ChainStatus {
  stream: ChainStream;
  sealedCount: bigint;
  headHash: string;
  /** Committed or in-flight rows past the head: the sealer's backlog. */
  unsealedRows: bigint;
  /** Age of the oldest row past the head (0 when none). */
  oldestUnsealedAgeSeconds: number;
}

const LOCK_HEAD = `
SELECT seq, hash, last_txid AS "lastTxid", last_row_id AS "lastRowId"
  FROM chain_heads WHERE stream = $1 FOR UPDATE SKIP LOCKED`;

// One statement, so the xmin and the rows come from the same snapshot. Rows with txid < xmin belong to
// transactions that have all ended; the ones visible here are every such row there will ever be.
// COLLATE "C": a byte order that no locale setting changes.
const JOURNAL_CANDIDATES = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin),
entries AS (
  SELECT e.id, e.txid, e.merchant_id, e.mode::text AS mode, e.kind, e.payment_id, e.refund_id, e.currency,
         e.created_at
    FROM journal_entries e, horizon h
   WHERE e.txid >= $1 AND e.txid < h.xmin
     AND (e.txid > $1 OR e.id COLLATE "C" > $2 COLLATE "C")
   ORDER BY e.txid, e.id COLLATE "C"
   LIMIT $3
)
SELECT e.id, e.txid, e.merchant_id AS "merchantId", e.mode, e.kind, e.payment_id AS "paymentId",
       e.refund_id AS "refundId", e.currency, e.created_at AS "createdAt",
       COALESCE((
         SELECT json_agg(json_build_object(
                  'id', l.id::text, 'accountId', l.account_id, 'direction', l.direction::text,
                  'amountMinor', l.amount_minor::text, 'currency', l.currency,
                  'createdAt', to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                  ORDER BY l.id)
           FROM ledger_lines l WHERE l.journal_entry_id = e.id), '[]'::json) AS lines
  FROM entries e
 ORDER BY e.txid, e.id COLLATE "C"`;

const AUDIT_CANDIDATES = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin)
SELECT a.id, a.txid, a.operator_id AS "operatorId", a.action, a.target_type AS "targetType",
       a.target_id AS "targetId", a.before::text AS "beforeJson", a.after::text AS "afterJson",
       a.created_at AS "createdAt"
  FROM operator_audit_log a, horizon h
 WHERE a.txid >= $1 AND a.txid < h.xmin
   AND (a.txid > $1 OR a.id > $2::bigint)
 ORDER BY a.txid, a.id
 LIMIT $3`;

// Lock-free probes: an idle pass reads, finds nothing and ends without locking (or writing) anything.
const ANY_SEALABLE = {
  journal: `
SELECT EXISTS (
  SELECT 1 FROM journal_entries e
   WHERE e.txid >= $1 AND e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
     AND (e.txid > $1 OR e.id COLLATE "C" > $2 COLLATE "C")) AS "any"`,
  operator_audit: `
SELECT EXISTS (
  SELECT 1 FROM operator_audit_log a
   WHERE a.txid >= $1 AND a.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
     AND (a.txid > $1 OR a.id > $2::bigint)) AS "any"`,
} as const;

const INSERT_SEALS = `
INSERT INTO chain_seals (stream, seq, row_id, row_txid, prev_hash, hash)
SELECT $1, s.seq, s.row_id, s.row_txid, s.prev_hash, s.hash
  FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])
       WITH ORDINALITY AS s(seq, row_id, row_txid, prev_hash, hash, n)
 ORDER BY s.n`;

const ADVANCE_HEAD = `
UPDATE chain_heads SET seq = $2, hash = $3, last_txid = $4, last_row_id = $5, updated_at = now()
 WHERE stream = $1`;

const HEAD = `SELECT seq, hash, last_txid AS "lastTxid", last_row_id AS "lastRowId" FROM chain_heads WHERE stream = $1`;

const BACKLOG = {
  journal: `
SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS "ageSeconds"
  FROM journal_entries WHERE txid >= $1 AND (txid > $1 OR id COLLATE "C" > $2 COLLATE "C")`,
  operator_audit: `
SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS "ageSeconds"
  FROM operator_audit_log WHERE txid >= $1 AND (txid > $1 OR id > $2::bigint)`,
} as const;

const SEAL_PAGE = `
SELECT seq, row_id AS "rowId", prev_hash AS "prevHash", hash
  FROM chain_seals WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

const JOURNAL_ROWS = `
SELECT e.id, e.txid, e.merchant_id AS "merchantId", e.mode::text AS mode, e.kind, e.payment_id AS "paymentId",
       e.refund_id AS "refundId", e.currency, e.created_at AS "createdAt",
       COALESCE((
         SELECT json_agg(json_build_object(
                  'id', l.id::text, 'accountId', l.account_id, 'direction', l.direction::text,
                  'amountMinor', l.amount_minor::text, 'currency', l.currency,
                  'createdAt', to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                  ORDER BY l.id)
           FROM ledger_lines l WHERE l.journal_entry_id = e.id), '[]'::json) AS lines
  FROM journal_entries e WHERE e.id = ANY($1::text[])`;

const AUDIT_ROWS = `
SELECT a.id, a.txid, a.operator_id AS "operatorId", a.action, a.target_type AS "targetType",
       a.target_id AS "targetId", a.before::text AS "beforeJson", a.after::text AS "afterJson",
       a.created_at AS "createdAt"
  FROM operator_audit_log a WHERE a.id = ANY($1::bigint[])`;

// Rows the sealer has passed (at or before the head's position, $1/$2) that have no seal: inserted after the
// fact. Only rows after $3/$4 (the position a verification starts from; (-1, '') for all): the BRIN index on
// txid keeps an incremental verification to the rows it covers.
const UNSEALED_BEHIND_HEAD = {
  journal: `
SELECT e.id AS "rowId" FROM journal_entries e
 WHERE (e.txid < $1 OR (e.txid = $1 AND e.id COLLATE "C" <= $2 COLLATE "C"))
   AND e.txid >= $3 AND (e.txid > $3 OR e.id COLLATE "C" > $4 COLLATE "C")
   AND NOT EXISTS (SELECT 1 FROM chain_seals s WHERE s.stream = 'journal' AND s.row_id = e.id)
 ORDER BY e.txid, e.id COLLATE "C" LIMIT 1`,
  operator_audit: `
SELECT a.id::text AS "rowId" FROM operator_audit_log a
 WHERE (a.txid < $1 OR (a.txid = $1 AND a.id <= $2::bigint))
   AND a.txid >= $3 AND (a.txid > $3 OR a.id > $4::bigint)
   AND NOT EXISTS (SELECT 1 FROM chain_seals s WHERE s.stream = 'operator_audit' AND s.row_id = a.id::text)
 ORDER BY a.txid, a.id LIMIT 1`,
} as const;

const SEAL_AT = `
SELECT hash, row_id AS "rowId", row_txid AS "rowTxid" FROM chain_seals WHERE stream = $1 AND seq = $2`;

interface JournalRow extends Omit<ChainedJournalEntry, "lines"> {
  txid: bigint;
  lines: Array<{
    id: string;
    accountId: string;
    direction: string;
    amountMinor: string;
    currency: string;
    createdAt: string;
  }>;
}

interface AuditRow extends ChainedAuditEntry {
  txid: bigint;
}

function journalEntryOf(row: JournalRow): ChainedJournalEntry {
  return {
    id: row.id,
    merchantId: row.merchantId,
    mode: row.mode,
    kind: row.kind,
    paymentId: row.paymentId,
    refundId: row.refundId,
    currency: row.currency,
    createdAt: row.createdAt,
    lines: row.lines.map((line) => ({
      id: BigInt(line.id),
      accountId: line.accountId,
      direction: line.direction,
      amountMinor: BigInt(line.amountMinor),
      currency: line.currency,
      createdAt: new Date(line.createdAt),
    })),
  };
}

/** The audit cursor compares ids as numbers: the head stores '' before the first seal. */
function auditCursorId(lastRowId: string): string {
  return lastRowId === "" ? "0" : lastRowId;
}

/**
 * A place in a stream's chain that a verification reached: the seal's number and hash, and the (txid, row id)
 * of its row (the sealer's order). Seq 0 is the genesis: the all-zero hash, before every row.
 */
export interface ChainPosition {
  seq: bigint;
  hash: string;
  lastTxid: bigint;
  lastRowId: string;
}

/** Before the first seal. */
export const GENESIS_POSITION: ChainPosition = {
  seq: 0n,
  hash: "0".repeat(64),
  lastTxid: -1n,
  lastRowId: "",
};

export interface ChainRangeVerification {
  verification: ChainVerification;
  /** The head the walk verified through; null when it found a break. */
  verifiedThrough: ChainPosition | null;
  /** Seals whose rows were read and re-hashed (what the walk cost). */
  sealsChecked: number;
}

export class ChainRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Seals up to `limit` rows of `stream` that are final (their transaction is older than every running
   * one), in (txid, id) order, and advances the head, in one transaction. Returns at once with
   * `locked: false` when a lock-free probe finds nothing to seal (an idle pass writes nothing) or another
   * process is sealing the stream.
   */
  async sealBatch(stream: ChainStream, limit: number): Promise<SealResult> {
    if (!Number.isInteger(limit) || limit < 1 || limit > SEAL_BATCH_SIZE_MAX) {
      throw new Error(`seal batch limit must be an integer in 1..${SEAL_BATCH_SIZE_MAX}, got ${limit}`);
    }
    const [peek] = await this.sql.query<HeadRow>(HEAD, [stream]);
    if (!peek) throw new Error(`chain ${stream}: no head row (is the tamper-evidence migration applied?)`);
    const [probe] = await this.sql.query<{ any: boolean }>(ANY_SEALABLE[stream], [
      peek.lastTxid,
      stream === "journal" ? peek.lastRowId : auditCursorId(peek.lastRowId),
    ]);
    if (!probe?.any) return { stream, sealed: 0, locked: false };
    return this.sql.transaction(async (tx) => {
      // The head may have moved since the peek: the locked row is the one that counts.
      const [head] = await tx.query<HeadRow>(LOCK_HEAD, [stream]);
      if (!head) return { stream, sealed: 0, locked: false };
      const candidates = await this.candidates(tx, stream, head, limit);
      if (candidates.length === 0) return { stream, sealed: 0, locked: true };
      const seqs: bigint[] = [];
      const prevHashes: string[] = [];
      const hashes: string[] = [];
      let seq = head.seq;
      let prevHash = head.hash;
      for (const candidate of candidates) {
        seq += 1n;
        const hash = chainHash(prevHash, candidate.encoding);
        seqs.push(seq);
        prevHashes.push(prevHash);
        hashes.push(hash);
        prevHash = hash;
      }
      const rowIds = candidates.map((candidate) => candidate.rowId);
      const txids = candidates.map((candidate) => candidate.txid);
      const inserted = await tx.execute(INSERT_SEALS, [stream, seqs, rowIds, txids, prevHashes, hashes]);
      const last = candidates.at(-1) as SealCandidate;
      const advanced = await tx.execute(ADVANCE_HEAD, [stream, seq, prevHash, last.txid, last.rowId]);
      // We hold the head's lock, so nobody else can have sealed meanwhile.
      if (inserted !== candidates.length || advanced !== 1) {
        throw new Error(
          `chain ${stream}: sealed ${inserted} of ${candidates.length} rows, head moved ${advanced}`,
        );
      }
      return { stream, sealed: candidates.length, locked: true };
    });
  }

  private async candidates(
    tx: SqlTransaction,
    stream: ChainStream,
    head: HeadRow,
    limit: number,
  ): Promise<SealCandidate[]> {
    if (stream === "journal") {
      const rows = await tx.query<JournalRow>(JOURNAL_CANDIDATES, [head.lastTxid, head.lastRowId, limit]);
      return rows.map((row) => ({
        rowId: row.id,
        txid: row.txid,
        encoding: encodeJournalEntry(journalEntryOf(row)),
      }));
    }
    const rows = await tx.query<AuditRow>(AUDIT_CANDIDATES, [
      head.lastTxid,
      auditCursorId(head.lastRowId),
      limit,
    ]);
    return rows.map((row) => ({ rowId: row.id.toString(), txid: row.txid, encoding: encodeAuditEntry(row) }));
  }

  /** Where the stream's sealing stands: the metric the sealer logs and the CLI prints. */
  async status(stream: ChainStream): Promise<ChainStatus> {
    const [head] = await this.sql.query<HeadRow>(HEAD, [stream]);
    if (!head) throw new Error(`chain ${stream}: no head row (is the tamper-evidence migration applied?)`);
    const cursorId = stream === "journal" ? head.lastRowId : auditCursorId(head.lastRowId);
    const [backlog] = await this.sql.query<{ n: bigint; ageSeconds: number }>(BACKLOG[stream], [
      head.lastTxid,
      cursorId,
    ]);
    return {
      stream,
      sealedCount: head.seq,
      headHash: head.hash,
      unsealedRows: backlog?.n ?? 0n,
      oldestUnsealedAgeSeconds: Math.max(0, Math.round(backlog?.ageSeconds ?? 0)),
    };
  }

  /**
   * Recomputes the stream's chain from its first seal and stops at the first break: a changed, deleted or
   * inserted row, or a rewritten seal. Reads one consistent snapshot (REPEATABLE READ), in pages.
   */
  async verify(stream: ChainStream): Promise<ChainVerification> {
    return (await this.verifyFrom(stream, GENESIS_POSITION)).verification;
  }

  /**
   * Verifies the seals after `from` (a position an earlier walk verified; GENESIS_POSITION for the whole chain):
   * the seal at `from` must still be the one verified (same hash, same row), every later seal must link and match
   * its row's re-hashed content, no row between `from` and the head may lack a seal, and the head must name the
   * last seal. What it cannot see from `from` on: a change to a row at or before `from` that left every seal as
   * it was; only a walk from the genesis re-hashes those. One consistent snapshot, in pages.
   */
  async verifyFrom(stream: ChainStream, from: ChainPosition): Promise<ChainRangeVerification> {
    return this.sql.transaction(async (tx) => {
      await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      const [head] = await tx.query<HeadRow>(HEAD, [stream]);
      if (!head) throw new Error(`chain ${stream}: no head row (is the tamper-evidence migration applied?)`);
      const verifier = new ChainVerifier(stream, from);
      const broken = (sealsChecked: number): ChainRangeVerification => ({
        verification: verifier.finish(head),
        verifiedThrough: null,
        sealsChecked,
      });
      if (from.seq > 0n) {
        const [anchor] = await tx.query<{ hash: string; rowId: string; rowTxid: bigint }>(SEAL_AT, [
          stream,
          from.seq,
        ]);
        if (
          !anchor ||
          anchor.hash !== from.hash ||
          anchor.rowId !== from.lastRowId ||
          anchor.rowTxid !== from.lastTxid
        ) {
          verifier.anchorChanged(
            from.seq,
            anchor?.rowId ?? from.lastRowId,
            anchor
              ? `seal ${from.seq} now has hash ${anchor.hash} (row ${anchor.rowId}); verified as ${from.hash} (row ${from.lastRowId})`
              : `seal ${from.seq}, verified as ${from.hash} (row ${from.lastRowId}), is gone`,
          );
          return broken(0);
        }
      }
      let after = from.seq;
      let sealsChecked = 0;
      // Seals are numbered 1..head.seq, so this many pages cover the rest; one more finds any seal past the head.
      const remaining = head.seq > from.seq ? head.seq - from.seq : 0n;
      const pagesMax = remaining / BigInt(VERIFY_PAGE_SIZE) + 2n;
      for (let page = 0n; page < pagesMax; page += 1n) {
        const seals = await tx.query<ChainSealRecord>(SEAL_PAGE, [stream, after, VERIFY_PAGE_SIZE]);
        if (seals.length === 0) break;
        const encodings = await this.encodingsOf(tx, stream, seals);
        for (const seal of seals) {
          sealsChecked += 1;
          if (verifier.check(seal, encodings.get(seal.rowId) ?? null)) return broken(sealsChecked);
        }
        after = (seals.at(-1) as ChainSealRecord).seq;
      }
      const cursorId = (rowId: string) => (stream === "journal" ? rowId : auditCursorId(rowId));
      const [unsealed] = await tx.query<{ rowId: string }>(UNSEALED_BEHIND_HEAD[stream], [
        head.lastTxid,
        cursorId(head.lastRowId),
        from.lastTxid,
        cursorId(from.lastRowId),
      ]);
      if (unsealed) verifier.unsealedRow(unsealed.rowId);
      const verification = verifier.finish(head);
      return {
        verification,
        verifiedThrough: verification.ok
          ? { seq: head.seq, hash: head.hash, lastTxid: head.lastTxid, lastRowId: head.lastRowId }
          : null,
        sealsChecked,
      };
    });
  }

  private async encodingsOf(
    tx: SqlTransaction,
    stream: ChainStream,
    seals: readonly ChainSealRecord[],
  ): Promise<Map<string, string>> {
    const ids = seals.map((seal) => seal.rowId);
    if (stream === "journal") {
      const rows = await tx.query<JournalRow>(JOURNAL_ROWS, [ids]);
      return new Map(rows.map((row) => [row.id, encodeJournalEntry(journalEntryOf(row))]));
    }
    const rows = await tx.query<AuditRow>(AUDIT_ROWS, [ids]);
    return new Map(rows.map((row) => [row.id.toString(), encodeAuditEntry(row)]));
  }
}
