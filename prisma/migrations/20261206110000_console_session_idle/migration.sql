-- Console sessions end after a spell of inactivity as well as at their
-- absolute expiry: last_seen_at is moved forward as the operator uses the
-- console (at most once a minute per session, to keep writes down). Existing
-- sessions count as seen at creation.
ALTER TABLE "operator_sessions" ADD COLUMN "last_seen_at" TIMESTAMPTZ(3);
UPDATE "operator_sessions" SET "last_seen_at" = "created_at";
ALTER TABLE "operator_sessions" ALTER COLUMN "last_seen_at" SET NOT NULL;
ALTER TABLE "operator_sessions" ALTER COLUMN "last_seen_at" SET DEFAULT CURRENT_TIMESTAMP;
