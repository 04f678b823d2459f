// Goal: the shipped samples of the OFAC SDN CSV, its aliases and the EU consolidated XML (invented names in the real
// layouts) are read as streams into names with their entries, the format is told by the content, and files that are
// not lists are refused with SANCTIONS_LIST_INVALID.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  describeListFile,
  detectFormat,
  listFileNames,
  readEuXml,
  readOfacSdn,
} from "./sanctions-list-files";

const sample = (name: string) => new URL(`./samples/${name}`, import.meta.url).pathname;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("sanctions list files", () => {
  it("detects each sample's format by its content", async () => {
    expect((await describeListFile(sample("sdn.csv"))).format).toBe("ofac-sdn");
    expect((await describeListFile(sample("alt.csv"))).format).toBe("ofac-alt");
    const eu = await describeListFile(sample("eu-consolidated.xml"));
    expect(eu.format).toBe("eu-xml");
    expect(eu.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads the SDN list with its aliases under one entry reference", async () => {
    const names = await all(
      listFileNames([
        { path: sample("sdn.csv"), format: "ofac-sdn" },
        { path: sample("alt.csv"), format: "ofac-alt" },
      ]),
    );
    expect(names).toHaveLength(7);
    expect(names[0]).toEqual({
      entryRef: "ofac:9001",
      entryType: "individual",
      programs: "SDGT] [IRGC",
      name: "KORVANEK, Dragomir Ilyich",
    });
    expect(names[1]).toMatchObject({ entryRef: "ofac:9002", entryType: "entity" });
    expect(names.filter((n) => n.entryRef === "ofac:9001").map((n) => n.name)).toEqual([
      "KORVANEK, Dragomir Ilyich",
      "KORVANYEK, Dragomir",
    ]);
  });

  it("reads every nameAlias of the EU list, in chunks of any size", async () => {
    const text = await import("node:fs/promises").then((fs) =>
      fs.readFile(sample("eu-consolidated.xml"), "utf8"),
    );
    const chunks = text.match(/[\s\S]{1,17}/g) ?? [];
    const names = await all(readEuXml(Readable.from(chunks)));
    expect(names.map((n) => [n.entryRef, n.entryType, n.name])).toEqual([
      ["eu:880001", "person", "Vesna Draxlová"],
      ["eu:880001", "person", "Весна Драксло"],
      ["eu:880002", "enterprise", "Qarvex Industrial Supply Company"],
      ["eu:880002", "enterprise", "QISCO"],
    ]);
  });

  it("refuses what is not a list", async () => {
    expect(() => detectFormat("a,b,c\n")).toThrow(/not 12 or 5/);
    await expect(all(readOfacSdn(Readable.from(["x,y,z,1,2,3,4,5,6,7,8,9\n"])))).rejects.toMatchObject({
      code: "SANCTIONS_LIST_INVALID",
    });
    await expect(all(readEuXml(Readable.from(["<html><body/></html>"])))).rejects.toMatchObject({
      code: "SANCTIONS_LIST_INVALID",
    });
    await expect(
      all(readEuXml(Readable.from(['<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><export/>']))),
    ).rejects.toMatchObject({ code: "SANCTIONS_LIST_INVALID" });
  });
});
