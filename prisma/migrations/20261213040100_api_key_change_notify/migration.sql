-- Issue 23 (cheap reads): each API process keeps the keys it authenticated in memory for a few seconds
-- (packages/db/src/api-key-cache.ts) and drops an entry when Postgres tells it the key's row changed: a revocation,
-- a roll, new allowed origins, or a deleted row. The notification is sent at commit (never for a rolled-back
-- change) on the channel "api_key_changes", its payload the key's id (never its hash). An update that changes
-- nothing a lookup returns notifies nothing.
CREATE OR REPLACE FUNCTION "api_key_notify_change"()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD."revoked_at", OLD."merchant_id", OLD."kind", OLD."mode", OLD."secret_hash", OLD."allowed_origins")
      IS NOT DISTINCT FROM (NEW."revoked_at", NEW."merchant_id", NEW."kind", NEW."mode", NEW."secret_hash", NEW."allowed_origins") THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('api_key_changes', OLD."id");
  RETURN NULL;
END;
$function$;

CREATE TRIGGER "api_keys_notify_change"
  AFTER UPDATE OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION "api_key_notify_change"();
