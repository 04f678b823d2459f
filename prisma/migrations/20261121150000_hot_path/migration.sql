-- The payment hot path sends a transaction's last statement together with its
-- COMMIT, in one round trip. Such a statement checks its own effect with this
-- function: a wrong row count raises, so the COMMIT after it never runs.
CREATE FUNCTION "expect_rows"("actual" BIGINT, "expected" BIGINT, "what" TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
BEGIN
  IF "actual" <> "expected" THEN
    RAISE EXCEPTION '% changed % rows, expected %', "what", "actual", "expected" USING ERRCODE = 'no_data_found';
  END IF;
  RETURN "actual";
END $$;
