// The statements of the payment hot path, for node-postgres (see ../sql.ts).
// Each write is one statement of data-modifying CTEs: the rows a payment
// writes together (payment, attempt, risk assessment, events, refund, journal
// entry and lines, outbox) go in one round trip, and they all hang off the
// row the statement creates or conditionally updates, so when that row is not
// written (a lost race, a lost idempotency claim) nothing else is either.
// Variable lists (events, ledger lines, outbox messages, an optional attempt)
// travel as one jsonb array each, so every statement has one fixed text and is
// prepared once per connection.
import { paymentMethodSelect, paymentSelect, refundSelect } from "../mappers/payment.mapper";
import { literal } from "../sql";

/** `merchantId` → `merchant_id`. */
function snake(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A select list that names each column as the Prisma mapper's field, so rows map the same way. */
function selectList(fields: Record<string, true>, from = "", aliasPrefix = ""): string {
  return Object.keys(fields)
    .map((field) => {
      const alias = aliasPrefix ? `${aliasPrefix}${field[0]?.toUpperCase()}${field.slice(1)}` : field;
      return `${from}${snake(field)}${snake(field) === alias ? "" : ` AS "${alias}"`}`;
    })
    .join(", ");
}

export const PAYMENT_COLUMNS = selectList(paymentSelect);
export const REFUND_COLUMNS = selectList(refundSelect);
export const PAYMENT_METHOD_COLUMNS = selectList(paymentMethodSelect);

export const SELECT_PAYMENT = `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

export const SELECT_REFUND = `SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

/**
 * Links idempotency record $2 to the object $1 being created, only while the request still holds the key
 * ($3: its lockedUntil; NULL: any). The object's insert selects FROM claim, so without the link nothing is written.
 */
const CLAIM_KEY = `WITH claim AS (
  UPDATE idempotency_records SET resource_id = $1
   WHERE id = $2 AND resource_id IS NULL AND status = 'IN_PROGRESS'
     AND ($3::timestamptz IS NULL OR locked_until = $3::timestamptz)
  RETURNING id
)`;

/** A tokenized card, written only if the request still holds its idempotency key, which it links to the card. */
export const INSERT_PAYMENT_METHOD = `
${CLAIM_KEY}
INSERT INTO payment_methods (id, merchant_id, mode, brand, last4, exp_month, exp_year, fingerprint, bin,
                             card_country, pan_ciphertext, pan_nonce, pan_auth_tag, key_version, created_at)
SELECT $1, $4, $5::"Mode", $6, $7, $8::smallint, $9::smallint, $10, $11, $12, $13::bytea, $14::bytea, $15::bytea,
       $16::smallint, $17::timestamptz
  FROM claim
RETURNING ${PAYMENT_METHOD_COLUMNS}`;

export const SELECT_PAYMENT_METHOD_WITH_PAN = `
SELECT ${PAYMENT_METHOD_COLUMNS}, pan_ciphertext AS "panCiphertext", pan_nonce AS "panNonce",
       pan_auth_tag AS "panAuthTag", key_version AS "keyVersion"
  FROM payment_methods WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

/** An attempt row as `jsonb_to_recordset` reads it. */
const ATTEMPT_RECORD = `(id text, refund_id text, operation text, psp_name text, idempotency_key text,
  amount_minor bigint, currency text, routing jsonb)`;

const INSERT_ATTEMPTS_FROM = (json: string) => `
  INSERT INTO psp_attempts (id, payment_id, refund_id, merchant_id, operation, psp_name, idempotency_key,
                            amount_minor, currency, routing)
  SELECT a.id, p.id, a.refund_id, p.merchant_id, a.operation::"PspOperation", a.psp_name, a.idempotency_key,
         a.amount_minor, a.currency, a.routing
    FROM p, jsonb_to_recordset(${json}::jsonb) AS a${ATTEMPT_RECORD}
  RETURNING psp_attempts.id`;

const INSERT_EVENTS_FROM = (json: string) => `
  INSERT INTO payment_events (payment_id, merchant_id, type, old_status, new_status, source, actor, data)
  SELECT p.id, p.merchant_id, e.type, e.old_status::"PaymentStatus", e.new_status::"PaymentStatus",
         e.source::"EventSource", e.actor, e.data
    FROM p, jsonb_to_recordset(${json}::jsonb) AS e(type text, old_status text, new_status text, source text,
                                                   actor text, data jsonb)
  RETURNING payment_events.id`;

const INSERT_OUTBOX_FROM = (json: string) => `
  INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
  SELECT p.merchant_id, p.mode, o.topic, p.id, o.payload
    FROM p, jsonb_to_recordset(${json}::jsonb) AS o(topic text, payload jsonb)
  RETURNING outbox_messages.id`;

/**
 * Inserts the request's idempotency record, linked to the object $1 the statement creates, unless another
 * request holds the key (a claim on the request's first write). Nothing hangs off an empty claim, so a taken key
 * writes nothing. $2 record, $3 lockedUntil, $4 merchant, $5 mode, $34 key, $35 operation, $36 request hash,
 * $37 expiresAt.
 */
const CLAIM_KEY_BY_INSERT = `WITH claim AS (
  INSERT INTO idempotency_records (id, merchant_id, mode, key, operation, request_hash, status, locked_until,
                                   expires_at, resource_id)
  VALUES ($2, $4, $5::"Mode", $34, $35, $36, 'IN_PROGRESS', $3::timestamptz, $37::timestamptz, $1)
  ON CONFLICT (merchant_id, mode, key) DO NOTHING
  RETURNING id
)`;

/**
 * A new payment with its attempt, risk assessment, creation event and outbox messages, written only if the
 * request holds its idempotency key, which the statement links to the payment: `claim` either updates the
 * record the request claimed before (CLAIM_KEY: $3 its lockedUntil, NULL: any lock) or inserts it
 * (CLAIM_KEY_BY_INSERT). $1 payment id, $2 idempotency record, $4–$29 the payment's columns, $30 attempts,
 * $31 risk assessments, $32 events, $33 outbox (jsonb arrays).
 */
const insertPayment = (claim: string) => `
${claim}, p AS (
  INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_capturable_minor,
                        amount_captured_minor, amount_refunded_minor, amount_refund_pending_minor, capture_method,
                        payment_method_id, description, metadata, psp_name, psp_reference, failure_code,
                        failure_message, pending_operation, card_fingerprint, customer_email, ip_address, device_id,
                        billing_country, geo_latitude, geo_longitude, review_expires_at)
  SELECT $1, $4, $5::"Mode", $6::"PaymentStatus", $7::bigint, $8, $9::bigint, $10::bigint, $11::bigint,
         $12::bigint, $13::"CaptureMethod", $14, $15, $16::jsonb, $17, $18, $19, $20, $21::"PspOperation", $22,
         $23, $24, $25, $26, $27::float8, $28::float8, $29::timestamptz
    FROM claim
  RETURNING *
), attempts AS (${INSERT_ATTEMPTS_FROM("$30")}
), risk AS (
  INSERT INTO risk_assessments (id, payment_id, merchant_id, score, decision, signals, degraded, velocity_source)
  SELECT r.id, p.id, p.merchant_id, r.score, r.decision::"RiskDecision", r.signals, r.degraded, r.velocity_source
    FROM p, jsonb_to_recordset($31::jsonb) AS r(id text, score smallint, decision text, signals jsonb,
                                               degraded boolean, velocity_source text)
  RETURNING risk_assessments.id
), events AS (${INSERT_EVENTS_FROM("$32")}
), outbox AS (${INSERT_OUTBOX_FROM("$33")}
)
SELECT ${PAYMENT_COLUMNS} FROM p`;

export const INSERT_PAYMENT = insertPayment(CLAIM_KEY);
export const INSERT_PAYMENT_CLAIMING_KEY = insertPayment(CLAIM_KEY_BY_INSERT);

/**
 * One change of a payment, conditional on the version and status it was decided on, with every row that goes
 * with it. Returns no row when the payment moved on (a lost race); the caller's transaction then rolls back.
 * $1 payment, $2 merchant, $3 mode, $4 expected version, $5 expected status, $6 patch (jsonb object whose keys
 * are the fields to set), $7 idempotency record to claim (NULL: none), $8 its lockedUntil, $9 the resource the
 * claim links to; jsonb arrays: $10 refunds to insert, $11 attempts to insert, $12 attempt settlements,
 * $13 refund settlements, $14 events, $15 journal entries, $16 their lines, $17 outbox; $18 a refund to return
 * that the change neither inserts nor settles. Refund columns come back prefixed `refund` (`refundId`, …).
 */
export const APPLY_PAYMENT_CHANGE = `
WITH claim AS (
  UPDATE idempotency_records SET resource_id = $9
   WHERE $7::text IS NOT NULL AND id = $7 AND resource_id IS NULL AND status = 'IN_PROGRESS'
     AND locked_until = $8::timestamptz
  RETURNING id
), p AS (
  UPDATE payments p SET
    version = p.version + 1,
    status = CASE WHEN $6::jsonb ? 'status' THEN ($6::jsonb->>'status')::"PaymentStatus" ELSE p.status END,
    amount_capturable_minor = CASE WHEN $6::jsonb ? 'amountCapturableMinor'
      THEN ($6::jsonb->>'amountCapturableMinor')::bigint ELSE p.amount_capturable_minor END,
    amount_captured_minor = CASE WHEN $6::jsonb ? 'amountCapturedMinor'
      THEN ($6::jsonb->>'amountCapturedMinor')::bigint ELSE p.amount_captured_minor END,
    amount_refunded_minor = CASE WHEN $6::jsonb ? 'amountRefundedMinor'
      THEN ($6::jsonb->>'amountRefundedMinor')::bigint ELSE p.amount_refunded_minor END,
    amount_refund_pending_minor = CASE WHEN $6::jsonb ? 'amountRefundPendingMinor'
      THEN ($6::jsonb->>'amountRefundPendingMinor')::bigint ELSE p.amount_refund_pending_minor END,
    psp_name = CASE WHEN $6::jsonb ? 'pspName' THEN $6::jsonb->>'pspName' ELSE p.psp_name END,
    psp_reference = CASE WHEN $6::jsonb ? 'pspReference' THEN $6::jsonb->>'pspReference' ELSE p.psp_reference END,
    failure_code = CASE WHEN $6::jsonb ? 'failureCode' THEN $6::jsonb->>'failureCode' ELSE p.failure_code END,
    failure_message = CASE WHEN $6::jsonb ? 'failureMessage'
      THEN $6::jsonb->>'failureMessage' ELSE p.failure_message END,
    pending_operation = CASE WHEN $6::jsonb ? 'pendingOperation'
      THEN ($6::jsonb->>'pendingOperation')::"PspOperation" ELSE p.pending_operation END,
    review_expires_at = CASE WHEN $6::jsonb ? 'reviewExpiresAt'
      THEN ($6::jsonb->>'reviewExpiresAt')::timestamptz ELSE p.review_expires_at END
   WHERE p.id = $1 AND p.merchant_id = $2 AND p.mode = $3::"Mode" AND p.version = $4
     AND p.status = $5::"PaymentStatus"
  RETURNING p.*
), new_refunds AS (
  INSERT INTO refunds (id, payment_id, merchant_id, mode, amount_minor, currency, reason)
  SELECT r.id, p.id, p.merchant_id, p.mode, r.amount_minor, r.currency, r.reason
    FROM p, jsonb_to_recordset($10::jsonb) AS r(id text, amount_minor bigint, currency text, reason text)
  RETURNING refunds.*
), attempts AS (${INSERT_ATTEMPTS_FROM("$11")}
), settled_attempts AS (
  UPDATE psp_attempts a SET status = s.status::"PspAttemptStatus", psp_reference = s.psp_reference,
         error_code = s.error_code, error_message = s.error_message, updated_at = now()
    FROM p, jsonb_to_recordset($12::jsonb) AS s(id text, status text, psp_reference text, error_code text,
                                               error_message text)
   WHERE a.id = s.id AND a.payment_id = p.id
  RETURNING a.id
), settled_refunds AS (
  UPDATE refunds r SET status = s.status::"RefundStatus", psp_reference = s.psp_reference,
         failure_code = s.failure_code, updated_at = now()
    FROM p, jsonb_to_recordset($13::jsonb) AS s(id text, status text, psp_reference text, failure_code text)
   WHERE r.id = s.id AND r.payment_id = p.id AND r.status = 'PENDING'
  RETURNING r.*
), events AS (${INSERT_EVENTS_FROM("$14")}
), journal AS (
  INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, refund_id, currency)
  SELECT j.id, p.merchant_id, p.mode, j.kind, p.id, j.refund_id, j.currency
    FROM p, jsonb_to_recordset($15::jsonb) AS j(id text, kind text, refund_id text, currency text)
  RETURNING journal_entries.id, journal_entries.currency
), lines AS (
  INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
  SELECT journal.id, l.account_id, l.direction::"EntryDirection", l.amount_minor, journal.currency
    FROM journal, jsonb_to_recordset($16::jsonb) AS l(account_id text, direction text, amount_minor bigint)
  RETURNING ledger_lines.id
), outbox AS (${INSERT_OUTBOX_FROM("$17")}
), refund_out AS (
  -- The refund the caller gets back: the one settled, else the one inserted, else $18 (unchanged).
  SELECT 1 AS priority, * FROM settled_refunds
  UNION ALL SELECT 2, * FROM new_refunds
  UNION ALL SELECT 3, r.* FROM refunds r JOIN p ON r.payment_id = p.id WHERE r.id = $18
)
SELECT ${selectList(paymentSelect, "p.")},
       ${selectList(refundSelect, "rf.", "refund")},
       (SELECT count(*) FROM claim)::int AS "claimed",
       (SELECT count(*) FROM settled_attempts)::int AS "settledAttempts",
       (SELECT count(*) FROM settled_refunds)::int AS "settledRefunds"
  FROM (SELECT 1) AS always
  LEFT JOIN p ON true
  LEFT JOIN (SELECT * FROM refund_out ORDER BY priority LIMIT 1) AS rf ON true`;

/**
 * Links the idempotency record to what its request created, completing it with the stored response when one
 * is given (NULL: linked only, completed later).
 */
export const LINK_IDEMPOTENCY = `
UPDATE idempotency_records
   SET resource_id = $2,
       status = CASE WHEN $3::jsonb IS NULL THEN status ELSE 'COMPLETED' END,
       response = COALESCE($3::jsonb, response)
 WHERE id = $1`;

/**
 * LINK_IDEMPOTENCY as text with its values written in (see `literal`), sent with the COMMIT of a payment's
 * change in one round trip. A missing record raises (expect_rows), so the COMMIT does not run.
 */
export function linkIdempotencyText(recordId: string, resourceId: string, response: string | null): string {
  return `WITH linked AS (
  UPDATE idempotency_records
     SET resource_id = ${literal(resourceId)},
         status = CASE WHEN ${literal(response)}::jsonb IS NULL THEN status ELSE 'COMPLETED' END,
         response = COALESCE(${literal(response)}::jsonb, response)
   WHERE id = ${literal(recordId)}
  RETURNING 1
)
SELECT expect_rows((SELECT count(*) FROM linked), 1, 'linking idempotency record ' || ${literal(recordId)})`;
}

export const INSERT_LEDGER_ACCOUNTS = `
INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency)
SELECT a.id, $1, $2::"Mode", a.code, a.type::"LedgerAccountType", $3
  FROM jsonb_to_recordset($4::jsonb) AS a(id text, code text, type text)
ON CONFLICT DO NOTHING`;

export const SELECT_LEDGER_ACCOUNTS = `
SELECT id, code FROM ledger_accounts
 WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND code = ANY($4::text[])`;
