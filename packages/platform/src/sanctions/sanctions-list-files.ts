// Reading sanctions list files (issue 22) as streams, never whole: the OFAC SDN list's CSV (sdn.csv: ent_num,
// SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks, no
// header, "-0-" for empty) and its aliases (alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks) through
// csv-parse's stream API; the EU consolidated list's XML (export / sanctionEntity logicalId / subjectType code /
// nameAlias wholeName) through saxes, a streaming parser that expands no external entities. Each file is bounded
// in size; the format is told by the content unless given.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { DomainError } from "@paycore/core/errors/domain-error";
import type { SanctionsSource } from "@paycore/core/ports/sanctions-store";
import type { ListedName } from "@paycore/core/sanctions/sanctions-commands";
import { parse } from "csv-parse";
import { SaxesParser } from "saxes";

/** The EU XML is about 25 MB and the SDN CSV about 5 MB today. */
export const SANCTIONS_FILE_BYTES_MAX = 128 * 1024 * 1024;
const RECORD_BYTES_MAX = 64 * 1024;
const XML_DEPTH_MAX = 32;

export type SanctionsFileFormat = "ofac-sdn" | "ofac-alt" | "eu-xml";
export const SANCTIONS_FILE_FORMATS: readonly SanctionsFileFormat[] = ["ofac-sdn", "ofac-alt", "eu-xml"];

export function sourceOfFormat(format: SanctionsFileFormat): SanctionsSource {
  return format === "eu-xml" ? "EU_CONSOLIDATED" : "OFAC_SDN";
}

function invalid(message: string): DomainError {
  return new DomainError("SANCTIONS_LIST_INVALID", message);
}

const empty = (value: string | undefined) => {
  const text = (value ?? "").trim();
  return text === "-0-" ? "" : text;
};

/** The format of a file by its first bytes: XML, or a CSV told by its column count (12: SDN, 5: aliases). */
export function detectFormat(head: string): SanctionsFileFormat {
  const text = head.replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("<")) return "eu-xml";
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  let columns = 1;
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) columns++;
  }
  if (columns === 12) return "ofac-sdn";
  if (columns === 5) return "ofac-alt";
  throw invalid(`Not a sanctions list this platform reads (a CSV line of ${columns} columns, not 12 or 5).`);
}

async function* csvRecords(
  input: AsyncIterable<Uint8Array | string>,
  columns: number,
): AsyncIterable<string[]> {
  const parser = parse({
    bom: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: RECORD_BYTES_MAX,
    trim: false,
  });
  const feeding = (async () => {
    try {
      for await (const chunk of input)
        if (!parser.write(chunk)) await new Promise((resolve) => parser.once("drain", resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let line = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      // OFAC ends sdn.csv with a control-Z line.
      if (record.length === 1 && (record[0] ?? "").trim().replace("\u001a", "") === "") continue;
      if (record.length !== columns)
        throw invalid(`Line ${line}: ${record.length} columns, expected ${columns}.`);
      yield record;
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw invalid(`Line ${line + 1}: ${(error as Error).message}`);
  } finally {
    await feeding;
  }
}

/** sdn.csv: one name per entry. */
export async function* readOfacSdn(input: AsyncIterable<Uint8Array | string>): AsyncIterable<ListedName> {
  for await (const record of csvRecords(input, 12)) {
    const [entNum, name, type, program] = record;
    if (!/^\d{1,12}$/.test((entNum ?? "").trim()))
      throw invalid(`Entry "${entNum}": ent_num is not a number.`);
    yield {
      entryRef: `ofac:${(entNum ?? "").trim()}`,
      entryType: empty(type) || "entity",
      programs: empty(program),
      name: empty(name),
    };
  }
}

/** alt.csv: one alias per line, of an SDN entry. */
export async function* readOfacAliases(input: AsyncIterable<Uint8Array | string>): AsyncIterable<ListedName> {
  for await (const record of csvRecords(input, 5)) {
    const [entNum, , altType, altName] = record;
    if (!/^\d{1,12}$/.test((entNum ?? "").trim()))
      throw invalid(`Alias "${entNum}": ent_num is not a number.`);
    yield {
      entryRef: `ofac:${(entNum ?? "").trim()}`,
      entryType: `alias:${empty(altType) || "aka"}`.slice(0, 32),
      programs: "",
      name: empty(altName),
    };
  }
}

/** The EU consolidated list: one name per nameAlias (its wholeName, else its parts), by sanctionEntity. */
export async function* readEuXml(input: AsyncIterable<Uint8Array | string>): AsyncIterable<ListedName> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const queue: ListedName[] = [];
  let depth = 0;
  let sawExport = false;
  let entity: { ref: string; type: string; programs: string[] } | null = null;
  parser.on("doctype", () => {
    throw invalid("The EU list has no document type declaration; this file has one.");
  });
  parser.on("opentag", (tag) => {
    if (++depth > XML_DEPTH_MAX) throw invalid("The XML is nested deeper than the EU list's layout.");
    const name = tag.name.replace(/^.*:/, "");
    const attr = (key: string) => String((tag.attributes as Record<string, unknown>)[key] ?? "").trim();
    if (name === "export") sawExport = true;
    else if (name === "sanctionEntity") {
      const ref = attr("logicalId");
      if (!/^\d{1,12}$/.test(ref))
        throw invalid(`Line ${parser.line}: a sanctionEntity without a numeric logicalId.`);
      entity = { ref: `eu:${ref}`, type: "entity", programs: [] };
    } else if (entity && name === "subjectType") entity.type = attr("code") || "entity";
    else if (entity && name === "regulation" && attr("programme")) entity.programs.push(attr("programme"));
    else if (entity && name === "nameAlias") {
      const whole =
        attr("wholeName") ||
        [attr("firstName"), attr("middleName"), attr("lastName")].filter(Boolean).join(" ");
      if (whole)
        queue.push({
          entryRef: entity.ref,
          entryType: entity.type,
          programs: entity.programs.join(" "),
          name: whole,
        });
    }
  });
  parser.on("closetag", (tag) => {
    depth--;
    if (tag.name.replace(/^.*:/, "") === "sanctionEntity") entity = null;
  });
  try {
    for await (const chunk of input) {
      parser.write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      while (queue.length > 0) yield queue.shift() as ListedName;
    }
    parser.close();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw invalid(`Line ${parser.line}: ${(error as Error).message}`);
  }
  while (queue.length > 0) yield queue.shift() as ListedName;
  if (!sawExport) throw invalid("Not the EU consolidated list: no <export> root.");
}

export function readerOf(format: SanctionsFileFormat) {
  return format === "eu-xml" ? readEuXml : format === "ofac-sdn" ? readOfacSdn : readOfacAliases;
}

/** A file's name, SHA-256 and format (detected unless given), within the size bound. */
export async function describeListFile(
  path: string,
  format?: SanctionsFileFormat,
): Promise<{ filename: string; sha256: string; format: SanctionsFileFormat }> {
  const size = (await stat(path)).size;
  if (size > SANCTIONS_FILE_BYTES_MAX) throw invalid(`The file is over ${SANCTIONS_FILE_BYTES_MAX} bytes.`);
  const hash = createHash("sha256");
  let head = "";
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    if (head.length < 4096) head += (chunk as Buffer).toString("utf8", 0, 4096);
  }
  return { filename: basename(path), sha256: hash.digest("hex"), format: format ?? detectFormat(head) };
}

/** The names of a list file (and, for the SDN list, of its aliases file), streamed. */
export async function* listFileNames(
  files: ReadonlyArray<{ path: string; format: SanctionsFileFormat }>,
): AsyncIterable<ListedName> {
  for (const file of files)
    yield* readerOf(file.format)(createReadStream(file.path, { highWaterMark: 64 * 1024 }));
}
