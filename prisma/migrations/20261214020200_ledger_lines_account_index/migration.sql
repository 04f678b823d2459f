-- Issue 16 (bench:recon): ledger_lines had two indexes leading with account_id. ledger_lines_account_currency_idx
-- (account_id, direction) INCLUDE (amount_minor) serves every lookup by account (balances, an account's lines, the
-- foreign key's check when an account is deleted) as well as the single-column one did, so that one only cost an
-- index entry per ledger line written: every capture, refund and settled report line.
DROP INDEX "ledger_lines_account_id_idx";
