// Dispute evidence files from the console: each file's type is sniffed from its bytes by `file-type` (never the
// client's word), bounded in count and size before anything is read into the core, which then checks the rest
// (PDF, PNG or JPEG, the filename) exactly as for the merchant API's uploads.
import {
  EVIDENCE_FILE_MAX_BYTES,
  EVIDENCE_FILES_MAX,
  type EvidenceFileInput,
} from "@paycore/core/disputes/dispute-evidence";
import { DomainError } from "@paycore/core/errors/domain-error";
import { fileTypeFromBuffer } from "file-type";

export async function evidenceFilesFromBytes(
  files: ReadonlyArray<{ filename: string; bytes: Uint8Array }>,
): Promise<EvidenceFileInput[]> {
  if (files.length > EVIDENCE_FILES_MAX) {
    throw new DomainError("EVIDENCE_INVALID", `At most ${EVIDENCE_FILES_MAX} files.`, { field: ["files"] });
  }
  const read: EvidenceFileInput[] = [];
  for (const [index, file] of files.entries()) {
    if (file.bytes.byteLength > EVIDENCE_FILE_MAX_BYTES) {
      throw new DomainError("EVIDENCE_INVALID", `A file is at most ${EVIDENCE_FILE_MAX_BYTES} bytes.`, {
        field: ["files", String(index)],
      });
    }
    const sniffed = await fileTypeFromBuffer(file.bytes);
    read.push({ filename: file.filename, sniffedContentType: sniffed?.mime ?? null, bytes: file.bytes });
  }
  return read;
}
