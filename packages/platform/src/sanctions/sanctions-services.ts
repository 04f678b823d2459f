// Sanctions screening's services for the CLI (issue 22): the core's command over its Postgres store, and the import
// of list files from paths (format detected or given; the SDN list with its aliases file in one version).

import { DomainError } from "@paycore/core/errors/domain-error";
import type { Actor } from "@paycore/core/ports/audit";
import type { SanctionsListVersionRecord } from "@paycore/core/ports/sanctions-store";
import { DEFAULT_MATCH_THRESHOLD } from "@paycore/core/sanctions/name-matching";
import { SanctionsCommands } from "@paycore/core/sanctions/sanctions-commands";
import { SanctionsRepository } from "@paycore/db/repositories/sanctions.repository";
import { SanctionsStoreRepository } from "@paycore/db/repositories/sanctions-store.repository";
import type { Sql } from "@paycore/db/sql";
import {
  describeListFile,
  listFileNames,
  type SanctionsFileFormat,
  sourceOfFormat,
} from "./sanctions-list-files";

export function createSanctionsServices(sql: Sql, threshold = DEFAULT_MATCH_THRESHOLD) {
  return {
    sanctions: new SanctionsCommands({ store: new SanctionsStoreRepository(sql), threshold }),
    sanctionsReads: new SanctionsRepository(sql),
  };
}

/** Imports one list file (plus, for the SDN list, its aliases file) as one new version. */
export async function importSanctionsFromPaths(
  sanctions: Pick<SanctionsCommands, "importList">,
  actor: Actor,
  path: string,
  options: { format?: SanctionsFileFormat; aliasesPath?: string } = {},
): Promise<SanctionsListVersionRecord> {
  const main = await describeListFile(path, options.format);
  if (main.format === "ofac-alt")
    throw new DomainError(
      "SANCTIONS_LIST_INVALID",
      "An aliases file (alt.csv) is imported with its sdn.csv: --aliases.",
    );
  const files: Array<{ path: string; format: SanctionsFileFormat }> = [{ path, format: main.format }];
  let sha256 = main.sha256;
  if (options.aliasesPath) {
    if (main.format !== "ofac-sdn")
      throw new DomainError("SANCTIONS_LIST_INVALID", "Aliases go with the OFAC SDN list only.");
    const aliases = await describeListFile(options.aliasesPath, "ofac-alt");
    files.push({ path: options.aliasesPath, format: "ofac-alt" });
    sha256 = main.sha256;
    // The version is named by the main file; the aliases' digest is in the audit row's filename.
    return sanctions.importList(
      actor,
      "OFAC_SDN",
      { filename: `${main.filename}+${aliases.filename}`, sha256 },
      listFileNames(files),
    );
  }
  return sanctions.importList(
    actor,
    sourceOfFormat(main.format),
    { filename: main.filename, sha256 },
    listFileNames(files),
  );
}
