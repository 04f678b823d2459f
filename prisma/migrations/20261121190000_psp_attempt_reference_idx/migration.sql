-- A PSP notification names the PSP's reference. Its payment is looked up by
-- the payment's own reference first, then by an attempt's (a PSP the payment
-- failed over from, a modification with its own reference). That second
-- lookup had no index: every notification whose reference no payment carries
-- (an authorization whose answer was lost, an unknown payment) read all of
-- psp_attempts. An attempt gets its reference when the PSP answers and its
-- insert has none, so the partial index costs one entry per answered attempt.
-- Attempt updates are not heap-only anyway (psp_attempts_unsettled_idx names
-- status), so the index adds no update cost beyond that entry.
CREATE INDEX "psp_attempts_psp_reference_idx" ON "psp_attempts" ("psp_reference", "psp_name")
  WHERE "psp_reference" IS NOT NULL;
