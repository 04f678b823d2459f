// Properties of the hash chain: an untouched chain verifies, and any single edit, deletion, reordering or
// rewritten seal is reported at exactly the first seal it affects; the encodings tell distinct rows apart.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChainedAuditEntry,
  type ChainedJournalEntry,
  type ChainSealRecord,
  ChainVerifier,
  chainHash,
  encodeAuditEntry,
  encodeJournalEntry,
  GENESIS_HASH,
} from "./hash-chain";

const dateArb = fc.date({
  min: new Date("2020-01-01T00:00:00Z"),
  max: new Date("2030-01-01T00:00:00Z"),
  noInvalidDate: true,
});
const textArb = fc.string({ maxLength: 12 });

const lineArb = fc.record({
  id: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
  accountId: textArb,
  direction: fc.constantFrom("DEBIT", "CREDIT"),
  amountMinor: fc.bigInt({ min: 1n, max: 10n ** 18n }),
  currency: fc.constantFrom("USD", "EUR", "JPY"),
  createdAt: dateArb,
});

const journalArb: fc.Arbitrary<ChainedJournalEntry> = fc.record({
  id: textArb,
  merchantId: textArb,
  mode: fc.constantFrom("TEST", "LIVE"),
  kind: textArb,
  paymentId: fc.option(textArb, { nil: null }),
  refundId: fc.option(textArb, { nil: null }),
  currency: fc.constantFrom("USD", "EUR", "JPY"),
  createdAt: dateArb,
  lines: fc.uniqueArray(lineArb, { minLength: 2, maxLength: 4, selector: (line) => line.id }),
});

const auditArb: fc.Arbitrary<ChainedAuditEntry> = fc.record({
  id: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
  operatorId: fc.option(textArb, { nil: null }),
  action: textArb,
  targetType: textArb,
  targetId: fc.option(textArb, { nil: null }),
  beforeJson: fc.option(fc.json(), { nil: null }),
  afterJson: fc.option(fc.json(), { nil: null }),
  createdAt: dateArb,
});

/** Seals a list of encodings the way the sealing worker does. */
function seal(encodings: readonly string[]): ChainSealRecord[] {
  const seals: ChainSealRecord[] = [];
  let prevHash = GENESIS_HASH;
  encodings.forEach((encoding, index) => {
    const hash = chainHash(prevHash, encoding);
    seals.push({ seq: BigInt(index + 1), rowId: `row-${index + 1}`, prevHash, hash });
    prevHash = hash;
  });
  return seals;
}

function verify(seals: readonly ChainSealRecord[], encodings: readonly (string | null)[]) {
  const verifier = new ChainVerifier("journal");
  for (const [index, sealRecord] of seals.entries()) {
    if (verifier.check(sealRecord, encodings[index] ?? null)) break;
  }
  const last = seals.at(-1);
  return verifier.finish({ seq: last?.seq ?? 0n, hash: last?.hash ?? GENESIS_HASH });
}

const encodingsArb = fc.array(journalArb.map(encodeJournalEntry), { minLength: 1, maxLength: 8 });

describe("hash chain", () => {
  it("verifies an untouched chain of any length and reports its size and head", () => {
    fc.assert(
      fc.property(fc.array(journalArb.map(encodeJournalEntry), { maxLength: 8 }), (encodings) => {
        const seals = seal(encodings);
        const result = verify(seals, encodings);
        expect(result).toEqual({
          stream: "journal",
          ok: true,
          sealedCount: BigInt(encodings.length),
          headHash: seals.at(-1)?.hash ?? GENESIS_HASH,
        });
      }),
    );
  });

  it("names the edited row as the first break, whichever row is edited", () => {
    fc.assert(
      fc.property(encodingsArb, fc.nat(), textArb, (encodings, pick, suffix) => {
        const index = pick % encodings.length;
        const seals = seal(encodings);
        const edited = encodings.map((encoding, i) => (i === index ? `${encoding}x${suffix}` : encoding));
        const result = verify(seals, edited);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.firstBreak).toMatchObject({ kind: "CONTENT_CHANGED", seq: BigInt(index + 1) });
        expect(result.sealedCount).toBe(BigInt(index));
      }),
    );
  });

  it("continued from a verified seal, agrees with a walk from the genesis on the seals after it", () => {
    fc.assert(
      fc.property(encodingsArb, fc.nat(), fc.nat(), fc.boolean(), (encodings, cut, pick, edit) => {
        const seals = seal(encodings);
        const start = cut % (encodings.length + 1);
        const index = pick % encodings.length;
        const current = encodings.map((encoding, i) => (edit && i === index ? `${encoding}x` : encoding));
        const verifier = new ChainVerifier(
          "journal",
          start === 0 ? undefined : { seq: BigInt(start), hash: seals[start - 1]?.hash as string },
        );
        for (let i = start; i < seals.length; i += 1) {
          if (verifier.check(seals[i] as ChainSealRecord, current[i] ?? null)) break;
        }
        const last = seals.at(-1) as ChainSealRecord;
        const continued = verifier.finish({ seq: last.seq, hash: last.hash });
        const whole = verify(seals, current);
        if (edit && index < start) {
          // An edit at or before the start is what only a walk from the genesis sees.
          expect(continued).toMatchObject({ ok: true, sealedCount: last.seq });
          expect(whole.ok).toBe(false);
        } else {
          expect(continued).toEqual(whole);
        }
      }),
    );
  });

  it("names a deleted row as ROW_MISSING at its seal", () => {
    fc.assert(
      fc.property(encodingsArb, fc.nat(), (encodings, pick) => {
        const index = pick % encodings.length;
        const result = verify(
          seal(encodings),
          encodings.map((encoding, i) => (i === index ? null : encoding)),
        );
        expect(result).toMatchObject({
          ok: false,
          firstBreak: { kind: "ROW_MISSING", seq: BigInt(index + 1) },
        });
      }),
    );
  });

  it("detects a rewritten seal (content and hash changed together) at the seal after it", () => {
    fc.assert(
      fc.property(
        fc.array(journalArb.map(encodeJournalEntry), { minLength: 2, maxLength: 8 }),
        fc.nat(),
        (encodings, pick) => {
          const index = pick % (encodings.length - 1);
          const seals = seal(encodings);
          const forgedEncoding = `${encodings[index]}forged`;
          const original = seals[index] as ChainSealRecord;
          const forged = seals.map((s, i) =>
            i === index ? { ...s, hash: chainHash(original.prevHash, forgedEncoding) } : s,
          );
          const result = verify(
            forged,
            encodings.map((encoding, i) => (i === index ? forgedEncoding : encoding)),
          );
          expect(result).toMatchObject({
            ok: false,
            firstBreak: { kind: "PREV_HASH_MISMATCH", seq: BigInt(index + 2) },
          });
        },
      ),
    );
  });

  it.each([
    ["a missing seal", (seals: ChainSealRecord[]) => seals.filter((s) => s.seq !== 2n), "SEQ_GAP", 3n],
    ["a head behind the last seal", (seals: ChainSealRecord[]) => seals, "HEAD_MISMATCH", 2n],
  ])("reports %s", (_name, alter, kind, seq) => {
    const encodings = ["a", "b", "c"];
    const seals = alter(seal(encodings));
    const verifier = new ChainVerifier("operator_audit");
    for (const s of seals) if (verifier.check(s, encodings[Number(s.seq) - 1] ?? null)) break;
    const head = kind === "HEAD_MISMATCH" ? { seq: 2n, hash: seals[1]?.hash ?? "" } : { seq: 3n, hash: "" };
    expect(verifier.finish(head)).toMatchObject({ ok: false, firstBreak: { kind, seq } });
  });

  it("encodes distinct journal entries and audit rows differently, and lines in any order alike", () => {
    fc.assert(
      fc.property(journalArb, journalArb, (a, b) => {
        if (sortedLines(a) !== sortedLines(b)) {
          expect(encodeJournalEntry(a)).not.toBe(encodeJournalEntry(b));
        }
        expect(encodeJournalEntry({ ...a, lines: [...a.lines].reverse() })).toBe(encodeJournalEntry(a));
      }),
    );
    fc.assert(
      fc.property(auditArb, auditArb, (a, b) => {
        if (JSON.stringify(a, replacer) !== JSON.stringify(b, replacer)) {
          expect(encodeAuditEntry(a)).not.toBe(encodeAuditEntry(b));
        }
      }),
    );
  });

  it("encodes amounts as exact digit strings (no float rounding past 2^53)", () => {
    const entry: ChainedJournalEntry = {
      id: "je_1",
      merchantId: "mer_1",
      mode: "TEST",
      kind: "payment.captured",
      paymentId: "pay_1",
      refundId: null,
      currency: "USD",
      createdAt: new Date("2026-12-06T00:00:00.123Z"),
      lines: [
        {
          id: 1n,
          accountId: "acc_1",
          direction: "DEBIT",
          amountMinor: 999_999_999_999_999_999n,
          currency: "USD",
          createdAt: new Date("2026-12-06T00:00:00.123Z"),
        },
      ],
    };
    expect(encodeJournalEntry(entry)).toContain('"999999999999999999"');
    expect(
      encodeJournalEntry({
        ...entry,
        lines: [{ ...entry.lines[0]!, amountMinor: 999_999_999_999_999_998n }],
      }),
    ).not.toBe(encodeJournalEntry(entry));
  });
});

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A journal entry with its lines sorted: two entries equal up to line order encode alike. */
function sortedLines(entry: ChainedJournalEntry): string {
  return JSON.stringify(
    { ...entry, lines: [...entry.lines].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)) },
    replacer,
  );
}
