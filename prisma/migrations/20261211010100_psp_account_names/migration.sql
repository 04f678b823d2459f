-- A PSP is its folder in packages/platform/src/psps/ plus one registration line: which PSPs a live account may
-- name is the platform's registry, checked by the core's PSP account commands (packages/core/src/psp-accounts/).
-- The column keeps a check on the name's spelling (the core's parsePspName), not a list that a new PSP would
-- have to extend with a migration.
ALTER TABLE "psp_accounts" DROP CONSTRAINT "psp_accounts_psp_check";
ALTER TABLE "psp_accounts" ADD CONSTRAINT "psp_accounts_psp_check" CHECK ("psp" ~ '^[a-z][a-z0-9_-]{0,31}$');
