// Files kept in Postgres, so replicas and backups carry them: append-only rows with their SHA-256, which the
// database checks against the content on insert. Any feature stores its files here under its own `purpose`
// (dispute evidence first); writes happen inside the caller's transaction, next to what names the files.
import type { EvidenceFileKind } from "@paycore/core/disputes/dispute-evidence";
import { newId } from "@paycore/core/ids/ids";
import type { DatabaseClient, Prisma } from "../client";

export interface NewStoredFile {
  filename: string;
  /** A dispute evidence document's kind; required exactly for purpose dispute_evidence (a database check). */
  evidenceKind?: EvidenceFileKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  bytes: Uint8Array;
}

export interface StoredFileContent {
  id: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  content: Uint8Array;
}

/** Inserts the files in the caller's transaction and answers their ids, in order. */
export async function insertStoredFiles(
  tx: Prisma.TransactionClient,
  merchantId: string,
  purpose: string,
  files: readonly NewStoredFile[],
): Promise<string[]> {
  const ids = files.map(() => newId("storedFile"));
  if (files.length === 0) return ids;
  await tx.storedFile.createMany({
    data: files.map((file, index) => ({
      id: ids[index] as string,
      merchantId,
      purpose,
      filename: file.filename,
      contentType: file.contentType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      content: new Uint8Array(file.bytes),
      evidenceKind: file.evidenceKind ?? null,
    })),
  });
  return ids;
}

export class StoredFileRepository {
  constructor(private readonly db: DatabaseClient) {}

  /** A merchant's file with its content; another merchant's is not found. */
  async findForMerchant(merchantId: string, id: string): Promise<StoredFileContent | null> {
    return this.db.storedFile.findFirst({
      where: { id, merchantId },
      select: { id: true, filename: true, contentType: true, sizeBytes: true, sha256: true, content: true },
    });
  }

  /** File descriptions without content, by id. */
  async describe(ids: readonly string[]) {
    return this.db.storedFile.findMany({
      where: { id: { in: [...ids] } },
      select: {
        id: true,
        filename: true,
        contentType: true,
        sizeBytes: true,
        sha256: true,
        evidenceKind: true,
      },
    });
  }
}
