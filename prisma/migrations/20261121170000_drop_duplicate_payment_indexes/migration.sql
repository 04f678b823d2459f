-- Two indexes on payments duplicated others and cost every payment write an
-- index entry each (docs/benchmarks.md, "Fewer indexes on payments"):
-- the partial payments_open_status_idx (status, created_at) is a subset of
-- payments_status_created_at_idx, and payments_psp_name_psp_reference_idx is
-- served by payments_psp_reference_idx (a PSP reference is all but unique, so
-- the PSP name is checked on the one row found).
DROP INDEX "payments_open_status_idx";
DROP INDEX "payments_psp_name_psp_reference_idx";
