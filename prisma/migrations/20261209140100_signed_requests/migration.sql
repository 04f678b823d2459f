-- Signed requests (issue 22): a signing secret per secret API key (not the key itself), whether a merchant requires
-- signatures, and the nonces seen within the signature window (Postgres is the fallback of Redis for them).

-- One current signing secret per API key, sealed with the vault like the other secrets (associated data: the
-- row's id); shown once when made. A roll replaces the row (a new id, a new ciphertext) in one transaction.
CREATE TABLE "api_key_signing_secrets" (
  "id"          TEXT NOT NULL PRIMARY KEY,
  "api_key_id"  TEXT NOT NULL REFERENCES "api_keys"("id"),
  "ciphertext"  BYTEA NOT NULL,
  "nonce"       BYTEA NOT NULL,
  "auth_tag"    BYTEA NOT NULL,
  "key_version" SMALLINT NOT NULL,
  "hint"        VARCHAR(8) NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "api_key_signing_secrets_api_key_id_key" ON "api_key_signing_secrets"("api_key_id");

-- Without a row a merchant's requests may be signed (a signed request is checked) but need not be.
CREATE TABLE "merchant_request_signing" (
  "merchant_id" TEXT NOT NULL PRIMARY KEY REFERENCES "merchants"("id"),
  "required"    BOOLEAN NOT NULL DEFAULT false,
  "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Nonces seen while Redis was unavailable, per API key, until the window has passed; the request-nonce-purge
-- worker deletes expired rows in bounded batches. The primary key is what refuses a reuse.
CREATE TABLE "request_nonces" (
  "api_key_id" TEXT NOT NULL,
  "nonce"      VARCHAR(64) NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "request_nonces_pkey" PRIMARY KEY ("api_key_id", "nonce")
);
CREATE INDEX "request_nonces_expires_at_idx" ON "request_nonces"("expires_at");
