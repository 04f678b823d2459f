// KYC documents for a merchant's review, uploaded like dispute evidence: the type sniffed from the bytes (PDF, PNG
// or JPEG), bounded in count and size, kept in Postgres with their SHA-256 (stored_files), audited.
import { DomainError } from "@paycore/core/errors/domain-error";
import { evidenceFilesFromBytes } from "@paycore/platform/workbench/evidence-files";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { AddDocumentsInput } from "./add-documents.schema";

export async function addDocumentsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: AddDocumentsInput;
}) {
  const files = await evidenceFilesFromBytes(
    input.files.map((file) => ({
      filename: file.filename,
      bytes: new Uint8Array(Buffer.from(file.base64, "base64")),
    })),
  );
  const added = await ctx.services.app.services.onboarding.addDocuments(
    { ...operatorActor(ctx), source: "OPERATOR" },
    input.merchantId,
    files,
  );
  if (added === null)
    throw new DomainError("INVALID_INPUT", "No merchant with this id.", { field: ["merchantId"] });
  return { files: added.fileIds.length };
}
