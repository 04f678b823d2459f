-- Files kept in Postgres (so replicas and backups carry them), with their SHA-256, and the dispute evidence that
-- names them. stored_files is generic: its purpose says what a file is for (dispute_evidence today).
CREATE TABLE "stored_files" (
  "id"           TEXT NOT NULL,
  "merchant_id"  TEXT NOT NULL,
  "purpose"      TEXT NOT NULL,
  "filename"     VARCHAR(255) NOT NULL,
  "content_type" TEXT NOT NULL,
  "size_bytes"   INTEGER NOT NULL,
  "sha256"       CHAR(64) NOT NULL,
  "content"      BYTEA NOT NULL,
  "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "stored_files_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "stored_files_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "stored_files_size_matches" CHECK ("size_bytes" = octet_length("content") AND "size_bytes" > 0),
  CONSTRAINT "stored_files_sha256_matches" CHECK ("sha256" = encode(sha256("content"), 'hex'))
);
CREATE INDEX "stored_files_merchant_id_created_at_idx" ON "stored_files"("merchant_id", "created_at");
CREATE TRIGGER "stored_files_append_only" BEFORE UPDATE OR DELETE ON "stored_files"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TABLE "dispute_evidence" (
  "id"              BIGSERIAL NOT NULL,
  "dispute_id"      TEXT NOT NULL,
  "merchant_id"     TEXT NOT NULL,
  "idempotency_key" VARCHAR(255) NOT NULL,
  "texts"           JSONB NOT NULL DEFAULT '{}',
  "file_ids"        TEXT[] NOT NULL DEFAULT '{}',
  "submitted_by"    TEXT NOT NULL,
  "created_at"      TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "dispute_evidence_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "dispute_evidence_dispute_id_fkey" FOREIGN KEY ("dispute_id") REFERENCES "disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "dispute_evidence_dispute_id_idempotency_key_key" ON "dispute_evidence"("dispute_id", "idempotency_key");
CREATE TRIGGER "dispute_evidence_append_only" BEFORE UPDATE OR DELETE ON "dispute_evidence"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
