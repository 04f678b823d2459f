-- PSP accounts: the credentials with which live mode reaches a PSP. Secrets
-- are vault ciphertexts (the key rotation re-encrypts them with the card
-- numbers), each bound to its own id as associated data.
CREATE TYPE "PspAccountStatus" AS ENUM ('ACTIVE', 'DISABLED');
CREATE TYPE "PspSecretKind" AS ENUM ('API_KEY', 'WEBHOOK_SECRET');

CREATE TABLE "psp_accounts" (
    "id" TEXT NOT NULL,
    "psp" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "endpoint" TEXT NOT NULL,
    "merchant_account" TEXT,
    "status" "PspAccountStatus" NOT NULL DEFAULT 'ACTIVE',
    "last_check_at" TIMESTAMPTZ(3),
    "last_check_ok" BOOLEAN,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "psp_accounts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "psp_accounts_psp_check" CHECK ("psp" IN ('stripe', 'adyen')),
    CONSTRAINT "psp_accounts_endpoint_length" CHECK (length("endpoint") BETWEEN 1 AND 500),
    CONSTRAINT "psp_accounts_last_error_length" CHECK (length("last_error") <= 300)
);

-- Routing picks a PSP by name per mode: two active accounts would make that ambiguous.
CREATE UNIQUE INDEX "psp_accounts_one_active_idx" ON "psp_accounts" ("psp", "mode") WHERE "status" = 'ACTIVE';

CREATE TABLE "psp_account_secrets" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "kind" "PspSecretKind" NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "nonce" BYTEA NOT NULL,
    "auth_tag" BYTEA NOT NULL,
    "key_version" SMALLINT NOT NULL,
    "hint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "valid_until" TIMESTAMPTZ(3),

    CONSTRAINT "psp_account_secrets_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "psp_account_secrets_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "psp_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "psp_account_secrets_hint_length" CHECK (length("hint") <= 4)
);

CREATE INDEX "psp_account_secrets_account_id_kind_created_at_idx" ON "psp_account_secrets" ("account_id", "kind", "created_at" DESC);

-- One current secret per account and kind: a rotation replaces it in the same transaction.
CREATE UNIQUE INDEX "psp_account_secrets_one_current_idx" ON "psp_account_secrets" ("account_id", "kind") WHERE "valid_until" IS NULL;
