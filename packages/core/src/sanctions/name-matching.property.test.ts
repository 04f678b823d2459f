// Goal: sanctions matching does not depend on case, accents or word order, and scores are in [0, 1] and symmetric.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameSimilarity, normalizeName } from "./name-matching";

const ACCENTED: Record<string, string> = {
  a: "á",
  e: "é",
  i: "ï",
  o: "ö",
  u: "ü",
  c: "ç",
  n: "ñ",
  s: "š",
  z: "ž",
};
const word = fc.stringMatching(/^[a-z]{2,12}$/);
const name = fc.array(word, { minLength: 1, maxLength: 4 });

function randomCase(text: string, mask: boolean[]): string {
  return [...text].map((ch, index) => (mask[index % mask.length] ? ch.toUpperCase() : ch)).join("");
}

function accented(text: string, mask: boolean[]): string {
  return [...text].map((ch, index) => (mask[index % mask.length] ? (ACCENTED[ch] ?? ch) : ch)).join("");
}

describe("sanctions name matching", () => {
  it("ignores case", () => {
    fc.assert(
      fc.property(name, fc.array(fc.boolean(), { minLength: 1 }), (words, mask) => {
        const text = words.join(" ");
        expect(normalizeName(randomCase(text, mask))).toBe(normalizeName(text));
        expect(nameSimilarity(randomCase(text, mask), text)).toBe(1);
      }),
    );
  });

  it("ignores accents and diacritics", () => {
    fc.assert(
      fc.property(name, fc.array(fc.boolean(), { minLength: 1 }), (words, mask) => {
        const text = words.join(" ");
        expect(nameSimilarity(accented(text, mask), text)).toBe(1);
      }),
    );
  });

  it("ignores word order and punctuation between words", () => {
    fc.assert(
      fc.property(name, fc.nat(), fc.constantFrom(" ", ", ", " - ", ". "), (words, shift, separator) => {
        const rotated = [...words.slice(shift % words.length), ...words.slice(0, shift % words.length)];
        expect(nameSimilarity(rotated.join(separator), words.join(" "))).toBe(1);
      }),
    );
  });

  it("scores in [0, 1], symmetrically", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
        const score = nameSimilarity(a, b);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
        expect(nameSimilarity(b, a)).toBeCloseTo(score, 10);
      }),
    );
  });

  it("transliterates other scripts and keeps near misses close", () => {
    expect(normalizeName("Владимир Петров")).toBe("petrov vladimir");
    expect(nameSimilarity("PETROV, Vladimir", "Vladimir Petrof")).toBeGreaterThan(0.92);
    expect(nameSimilarity("Acme Trading GmbH", "Vladimir Petrov")).toBeLessThan(0.7);
  });
});
