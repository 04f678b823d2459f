-- Signed requests (issue 22): every nonce is now written through to Postgres, not only those seen while Redis was
-- unavailable, so a nonce first seen by Redis is still refused when replayed with Redis down or restarted empty.
-- A row keeps the nonce's SHA-256 digest (32 bytes, under the API key id) instead of the header's text: fixed
-- width, and no request header copied into the database. The rows last the signature window (ten minutes), so the
-- old ones are simply dropped: a nonce stored before this release is at most ten minutes old and its request's
-- timestamp leaves the window within that time.
DROP TABLE "request_nonces";

CREATE TABLE "request_nonces" (
  "api_key_id"   TEXT NOT NULL,
  "nonce_digest" BYTEA NOT NULL,
  "expires_at"   TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "request_nonces_pkey" PRIMARY KEY ("api_key_id", "nonce_digest"),
  CONSTRAINT "request_nonces_digest_length" CHECK (octet_length("nonce_digest") = 32)
);
CREATE INDEX "request_nonces_expires_at_idx" ON "request_nonces"("expires_at");
