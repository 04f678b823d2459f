-- Report credentials per PSP account (issue 16): how a live account's announced settlement reports are downloaded
-- (Adyen: its report user's "user:password" for basic auth; Stripe: a secret or restricted key), sealed in the vault
-- like the account's other secrets, rotated the same way (the replaced one keeps its overlap).
ALTER TYPE "PspSecretKind" ADD VALUE IF NOT EXISTS 'REPORT_CREDENTIAL';
