// The statements of the payment hot path, for node-postgres (see ../sql.ts).
// Each write is one statement of data-modifying CTEs: the rows a payment
// writes together (payment, attempt, risk assessment, events, refund, journal
// entry and lines, outbox) go in one round trip, and they all hang off the
// row the statement creates or conditionally updates, so when that row is not
// written (a lost race, a lost idempotency claim) nothing else is either.
// Variable lists (events, ledger lines, outbox messages, an optional attempt)
// travel as one jsonb array each. A payment change's statement is shaped to
// the change (only the parts it has), checks its own effect and raises when a
// check fails, so it runs without BEGIN and COMMIT; each shape is prepared once
// per connection.
import { paymentMethodSelect, paymentSelect, refundSelect } from "../mappers/payment.mapper";
import { literal } from "../sql";
import { cardContextColumns } from "./risk-data.repository";

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
/** The same list read from a table aliased `p`. */
export const PAYMENT_COLUMNS_OF_P = selectList(paymentSelect, "p.");
export const REFUND_COLUMNS = selectList(refundSelect);
export const PAYMENT_METHOD_COLUMNS = selectList(paymentMethodSelect);
/** The card's columns read from a table aliased `pm`, each named `method…` (`methodId`, `methodBrand`, …). */
export const PAYMENT_METHOD_COLUMNS_OF_PM = selectList(paymentMethodSelect, "pm.", "method");

export const SELECT_PAYMENT = `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

export const SELECT_REFUND = `SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

/**
 * Links idempotency record $2, created at `createdAt` (its partition key: see idempotency.repository.ts), to the
 * object $1 being created, only while the request still holds the key ($3: its lockedUntil; NULL: any). The
 * object's insert selects FROM claim, so without the link nothing is written.
 */
const claimKey = (createdAt: string) => `WITH claim AS (
  UPDATE idempotency_records SET resource_id = $1
   WHERE id = $2 AND created_at = ${createdAt}::timestamptz AND resource_id IS NULL AND status = 'IN_PROGRESS'
     AND ($3::timestamptz IS NULL OR locked_until = $3::timestamptz)
  RETURNING id
)`;

/**
 * A tokenized card, written only if the request still holds its idempotency key (record $2 created at $19), which
 * it links to the card.
 */
export const INSERT_PAYMENT_METHOD = `
${claimKey("$19")}
INSERT INTO payment_methods (id, merchant_id, mode, brand, last4, exp_month, exp_year, fingerprint, bin,
                             card_country, pan_ciphertext, pan_nonce, pan_auth_tag, key_version, created_at,
                             funding_type)
SELECT $1, $4, $5::"Mode", $6, $7, $8::smallint, $9::smallint, $10, $11, $12, $13::bytea, $14::bytea, $15::bytea,
       $16::smallint, $17::timestamptz, $18
  FROM claim
RETURNING ${PAYMENT_METHOD_COLUMNS}`;

export const SELECT_PAYMENT_METHOD_WITH_PAN = `
SELECT ${PAYMENT_METHOD_COLUMNS}, pan_ciphertext AS "panCiphertext", pan_nonce AS "panNonce",
       pan_auth_tag AS "panAuthTag", key_version AS "keyVersion"
  FROM payment_methods WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

/**
 * A merchant's fees, risk thresholds and settlement (PaymentStore.merchantSettings) by id $1, in one statement:
 * its fixed fee per currency (issue 18, a few rows), its fee rules per card funding type (at most one per credit,
 * debit, prepaid) and its settlement currencies and FX fee (no row: none). Bigints inside JSON as text.
 */
export const SELECT_MERCHANT_SETTINGS = `
SELECT m.fee_rate_bps AS "feeRateBps", m.fee_fixed_minor AS "feeFixedMinor",
       m.risk_review_threshold AS "riskReviewThreshold", m.risk_decline_threshold AS "riskDeclineThreshold",
       (SELECT COALESCE(json_agg(json_build_object('currency', f.currency, 'fixedMinor', f.fixed_minor::text)), '[]'::json)
          FROM merchant_fixed_fees f WHERE f.merchant_id = m.id) AS "fixedFees",
       (SELECT COALESCE(json_agg(json_build_object('fundingType', f.funding_type, 'rateBps', f.rate_bps,
                                                   'fixedHundredths', f.fixed_hundredths::text)), '[]'::json)
          FROM (SELECT funding_type, rate_bps, fixed_hundredths FROM merchant_funding_fees
                 WHERE merchant_id = m.id ORDER BY funding_type LIMIT 3) AS f) AS "fundingFees",
       s.settlement_currencies AS "settlementCurrencies", s.fx_fee_bps AS "fxFeeBps"
  FROM merchants m LEFT JOIN merchant_settlement s ON s.merchant_id = m.id
 WHERE m.id = $1`;

/**
 * SELECT_PAYMENT_METHOD_WITH_PAN and, from the card's own row, its fraud context (risk-data.repository.ts's
 * CARD_CONTEXT) for e-mail $4 and IP $5: the lists are asked for the card's fingerprint and BIN and for the
 * e-mail and IP, each when it is not empty, as the risk scorer asks them. One round trip instead of two (issue 23).
 */
export const SELECT_PAYMENT_METHOD_WITH_PAN_AND_CARD_CONTEXT = `
SELECT m.*, ${cardContextColumns(
  `(SELECT k, v FROM (VALUES ('FINGERPRINT', m.fingerprint), ('BIN', m.bin), ('EMAIL', $4::text), ('IP', $5::text)) AS l(k, v)
     WHERE v <> '')`,
  "$2",
  '$3::"Mode"',
  "m.fingerprint",
)}
  FROM (${SELECT_PAYMENT_METHOD_WITH_PAN}) AS m`;

/** An attempt row as `jsonb_to_recordset` reads it. */
const ATTEMPT_RECORD = `(id text, refund_id text, operation text, psp_name text, idempotency_key text,
  amount_minor bigint, currency text, routing jsonb, owner_instance_id text)`;

const INSERT_ATTEMPTS_FROM = (json: string) => `
  INSERT INTO psp_attempts (id, payment_id, refund_id, merchant_id, operation, psp_name, idempotency_key,
                            amount_minor, currency, routing, owner_instance_id)
  SELECT a.id, p.id, a.refund_id, p.merchant_id, a.operation::"PspOperation", a.psp_name, a.idempotency_key,
         a.amount_minor, a.currency, a.routing, a.owner_instance_id
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
 * request holds the key (a claim on the request's first write): the table's insert trigger claims the key in
 * idempotency_keys and skips the record when it is taken, as ON CONFLICT DO NOTHING did before partitioning. Nothing hangs off an empty claim, so a taken key
 * writes nothing. $2 record, $3 lockedUntil, $4 merchant, $5 mode, $33 key, $34 operation, $35 request hash,
 * $36 expiresAt, $37 key kind, $43 the record's creation time (its partition key, which the request's later
 * writes to the record name).
 */
const CLAIM_KEY_BY_INSERT = `WITH claim AS (
  INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                   locked_until, expires_at, resource_id, created_at)
  VALUES ($2, $4, $5::"Mode", $37::"IdempotencyKeyKind", $33, $34, $35, 'IN_PROGRESS', $3::timestamptz,
          $36::timestamptz, $1, $43::timestamptz)
  RETURNING id
)`;

/**
 * A new payment with its attempt, risk assessment, creation event, outbox messages and, for a card new at the
 * merchant, its first use, written only if the request holds its idempotency key, which the statement links to
 * the payment: `claim` either updates the record the request claimed before (claimKey: $3 its lockedUntil,
 * NULL: any lock; $38 its creation time) or inserts it (CLAIM_KEY_BY_INSERT: $43 its creation time). $1 payment
 * id, $2 idempotency record, $4–$28 the payment's columns (its location sealed into one, $27), $29 attempts, $30
 * risk assessments, $31 events, $32 outbox (jsonb arrays); the receipt address, the 3-D Secure return URL and the
 * blind indexes of the customer's e-mail, the receipt address and the IP follow the claim's parameters ($33–$37
 * after claimKey's, $38–$42 after CLAIM_KEY_BY_INSERT's).
 */
const insertPayment = (
  claim: string,
  receiptEmail: string,
  returnUrl: string,
  blindIndexes: readonly string[],
) => `
${claim}, p AS (
  INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_capturable_minor,
                        amount_captured_minor, amount_refunded_minor, amount_refund_pending_minor, capture_method,
                        payment_method_id, description, metadata, psp_name, psp_reference, failure_code,
                        failure_message, pending_operation, card_fingerprint, customer_email, ip_address, device_id,
                        billing_country, geo_location, review_expires_at, receipt_email,
                        return_url, customer_email_bidx, receipt_email_bidx, ip_address_bidx)
  SELECT $1, $4, $5::"Mode", $6::"PaymentStatus", $7::bigint, $8, $9::bigint, $10::bigint, $11::bigint,
         $12::bigint, $13::"CaptureMethod", $14, $15, $16::jsonb, $17, $18, $19, $20, $21::"PspOperation", $22,
         $23, $24, $25, $26, $27::text, $28::timestamptz, ${receiptEmail}::text,
         ${returnUrl}::text, ${blindIndexes.map((parameter) => `${parameter}::char(64)`).join(", ")}
    FROM claim
  RETURNING *
), attempts AS (${INSERT_ATTEMPTS_FROM("$29")}
), risk AS (
  INSERT INTO risk_assessments (id, payment_id, merchant_id, score, decision, signals, degraded, velocity_source)
  SELECT r.id, p.id, p.merchant_id, r.score, r.decision::"RiskDecision", r.signals, r.degraded, r.velocity_source
    FROM p, jsonb_to_recordset($30::jsonb) AS r(id text, score smallint, decision text, signals jsonb,
                                               degraded boolean, velocity_source text)
  RETURNING risk_assessments.id
), events AS (${INSERT_EVENTS_FROM("$31")}
), outbox AS (${INSERT_OUTBOX_FROM("$32")}
), first_use AS (
  INSERT INTO card_first_uses (merchant_id, mode, card_fingerprint, payment_id)
  SELECT p.merchant_id, p.mode, p.card_fingerprint, p.id FROM p WHERE p.card_fingerprint IS NOT NULL
  ON CONFLICT DO NOTHING
)
SELECT ${PAYMENT_COLUMNS} FROM p`;

export const INSERT_PAYMENT = insertPayment(claimKey("$38"), "$33", "$34", ["$35", "$36", "$37"]);
export const INSERT_PAYMENT_CLAIMING_KEY = insertPayment(CLAIM_KEY_BY_INSERT, "$38", "$39", [
  "$40",
  "$41",
  "$42",
]);

/** The payment columns a change may set, as the patch names them. */
const PATCH_COLUMNS = {
  status: '"PaymentStatus"',
  amountCapturableMinor: "bigint",
  amountCapturedMinor: "bigint",
  amountRefundedMinor: "bigint",
  amountRefundPendingMinor: "bigint",
  pspName: "text",
  pspReference: "text",
  failureCode: "text",
  failureMessage: "text",
  pendingOperation: '"PspOperation"',
  reviewExpiresAt: "timestamptz",
  // 3-D Secure (issue 20).
  threeDSecure: "jsonb",
  nextActionUrl: "text",
  actionExpiresAt: "timestamptz",
} as const;

export type PatchField = keyof typeof PATCH_COLUMNS;

/**
 * What a change writes besides the payment row (each part present is one CTE of its statement), in the order of
 * the bits of its shape key.
 */
export const SHAPE_PARTS = [
  "link",
  "claim",
  "refundInsert",
  "attemptInsert",
  "attemptSettlement",
  "refundSettlement",
  "events",
  "journal",
  "outbox",
  "returnRefund",
  "operatorAudit",
  // Multiple currencies (issue 18): the fx_conversions row linking a conversion's two journal entries.
  "fxConversion",
] as const;

/** A change's shape: its parts, and the patch's fields in PATCH_COLUMNS order. */
export type ChangeShape = { patch: readonly PatchField[] } & Record<(typeof SHAPE_PARTS)[number], boolean>;

/** The values a change statement may take, by name; a statement takes those its shape needs, in its order. */
export type ChangeParameter =
  | "paymentId"
  | "merchantId"
  | "mode"
  | "expectedVersion"
  | "expectedStatus"
  | "patch"
  | "linkRecord"
  | "linkCreatedAt"
  | "linkResource"
  | "claimLockedUntil"
  | "response"
  | "refunds"
  | "attempts"
  | "attemptSettlements"
  | "refundSettlements"
  | "events"
  | "journal"
  | "lines"
  | "outbox"
  | "returnRefund"
  | "operatorAudit"
  | "fxConversions";

export interface ChangeStatement {
  text: string;
  parameters: readonly ChangeParameter[];
}

export const PATCH_FIELDS = Object.keys(PATCH_COLUMNS) as PatchField[];

/**
 * What a change statement checks, in this order; a failed check raises `<check> changed <n> rows, expected
 * <m>` (SQLSTATE P0002, expect_rows). A failed claim means another request took the key over; a payment that
 * did not change means another change came first (a lost race); the others mean a missing row.
 */
export const CHANGE_CHECKS = [
  "idempotency claim",
  "payment change",
  "idempotency link",
  "attempt settlement",
  "refund",
] as const;
export type ChangeCheck = (typeof CHANGE_CHECKS)[number];

/**
 * A stand-in for the change's transaction time in a response written before the statement ran: the store
 * predicts the changed rows, with this as their updated_at, and the statement writes its own time instead
 * (rounded to the columns' milliseconds). No real row holds this date, the earliest a Date can hold.
 */
export const TRANSACTION_TIME = new Date(-8.64e15);
/** TRANSACTION_TIME as it appears in a response's JSON text. */
export const TRANSACTION_TIME_JSON = JSON.stringify(TRANSACTION_TIME.toISOString());
const TRANSACTION_TIME_SQL = `to_json(to_char(now()::timestamptz(3) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text`;

const changeStatements = new Map<number, ChangeStatement>();

/** A shape as one number: a bit per part, then a bit per patch field. */
function shapeKey(shape: ChangeShape): number {
  let key = 0;
  for (let i = 0; i < SHAPE_PARTS.length; i++)
    if (shape[SHAPE_PARTS[i] as (typeof SHAPE_PARTS)[number]]) key |= 1 << i;
  for (const field of shape.patch) key |= 1 << (SHAPE_PARTS.length + PATCH_FIELDS.indexOf(field));
  return key;
}

/**
 * One change of a payment, conditional on the version and status it was decided on, with every row that goes
 * with it, as one statement shaped to the change: only the parts the change has are in the text, because
 * Postgres opens the table and every index of each data-modifying CTE when the statement starts, even when its
 * array is empty (executor start-up was 17 % of Postgres's time per payment with one text for every change).
 * A few shapes exist (one per kind of change the commands make), each prepared once per connection.
 *
 * The payment row `p` is updated only if it still has the expected version and status; every row the change
 * adds hangs off it. The idempotency record is linked (claimed, when `claim`: only while the request holds
 * it) and, given a `response`, COMPLETED by the same statement. The statement checks its own effect and
 * raises when a check fails (see ChangeCheck), so nothing of a failed change is written: it needs no BEGIN or
 * COMMIT of its own, one round trip in all. The patch is one jsonb object whose keys are the fields to set.
 * Refund columns come back prefixed `refund` (`refundId`, …): the refund settled, else the one inserted, else
 * `returnRefund`.
 */
export function paymentChangeStatement(shape: ChangeShape): ChangeStatement {
  const key = shapeKey(shape);
  const known = changeStatements.get(key);
  if (known) return known;
  const parameters: ChangeParameter[] = [];
  const $ = (name: ChangeParameter) => {
    const index = parameters.indexOf(name);
    if (index >= 0) return `$${index + 1}`;
    parameters.push(name);
    return `$${parameters.length}`;
  };
  const sets = shape.patch.map((field) => {
    const type = PATCH_COLUMNS[field];
    const patch = $("patch");
    const value =
      type === "text" ? `${patch}::jsonb->>'${field}'` : `(${patch}::jsonb->>'${field}')::${type}`;
    return `,\n    ${snake(field)} = ${value}`;
  });
  const ctes = [
    `p AS (
  UPDATE payments p SET
    version = p.version + 1${sets.join("")}
   WHERE p.id = ${$("paymentId")} AND p.merchant_id = ${$("merchantId")} AND p.mode = ${$("mode")}::"Mode"
     AND p.version = ${$("expectedVersion")} AND p.status = ${$("expectedStatus")}::"PaymentStatus"
  RETURNING p.*
)`,
  ];
  if (shape.link || shape.claim) {
    const response = $("response");
    ctes.push(`link AS (
  UPDATE idempotency_records SET resource_id = ${$("linkResource")},
         status = CASE WHEN ${response}::text IS NULL THEN status ELSE 'COMPLETED' END,
         response = COALESCE(replace(${response}::text, '${TRANSACTION_TIME_JSON}', ${TRANSACTION_TIME_SQL})::jsonb,
                             response)
   WHERE id = ${$("linkRecord")} AND created_at = ${$("linkCreatedAt")}::timestamptz${
     shape.claim
       ? ` AND resource_id IS NULL AND status = 'IN_PROGRESS'
     AND locked_until = ${$("claimLockedUntil")}::timestamptz`
       : ""
   }
  RETURNING id
)`);
  }
  if (shape.refundInsert) {
    ctes.push(`new_refunds AS (
  INSERT INTO refunds (id, payment_id, merchant_id, mode, amount_minor, currency, reason)
  SELECT r.id, p.id, p.merchant_id, p.mode, r.amount_minor, r.currency, r.reason
    FROM p, jsonb_to_recordset(${$("refunds")}::jsonb) AS r(id text, amount_minor bigint, currency text, reason text)
  RETURNING refunds.*
)`);
  }
  if (shape.attemptInsert) ctes.push(`attempts AS (${INSERT_ATTEMPTS_FROM($("attempts"))}\n)`);
  if (shape.attemptSettlement) {
    // Only an open attempt is settled: an answer recorded after another (a notification that settled the call
    // of a process judged gone) raises instead of overwriting it. A new status starts its own resolver clock:
    // an attempt that turns ACKNOWLEDGED is first looked up a deadline after now, not at an UNKNOWN's old time.
    ctes.push(`settled_attempts AS (
  UPDATE psp_attempts a SET status = s.status::"PspAttemptStatus", psp_reference = s.psp_reference,
         error_code = s.error_code, error_message = s.error_message, updated_at = now(),
         next_resolve_at = NULL
    FROM p, jsonb_to_recordset(${$("attemptSettlements")}::jsonb) AS s(id text, status text, psp_reference text,
                                                error_code text, error_message text)
   WHERE a.id = s.id AND a.payment_id = p.id AND a.status IN ('PENDING', 'UNKNOWN', 'ACKNOWLEDGED')
  RETURNING a.id
)`);
  }
  if (shape.refundSettlement) {
    ctes.push(`settled_refunds AS (
  UPDATE refunds r SET status = s.status::"RefundStatus", psp_reference = s.psp_reference,
         failure_code = s.failure_code, updated_at = now()
    FROM p, jsonb_to_recordset(${$("refundSettlements")}::jsonb) AS s(id text, status text, psp_reference text,
                                                                    failure_code text)
   WHERE r.id = s.id AND r.payment_id = p.id AND r.status = 'PENDING'
  RETURNING r.*
)`);
  }
  if (shape.events) ctes.push(`events AS (${INSERT_EVENTS_FROM($("events"))}\n)`);
  if (shape.journal) {
    ctes.push(`journal AS (
  INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, refund_id, currency)
  SELECT j.id, p.merchant_id, p.mode, j.kind, p.id, j.refund_id, j.currency
    FROM p, jsonb_to_recordset(${$("journal")}::jsonb) AS j(id text, kind text, refund_id text, currency text)
  RETURNING journal_entries.id, journal_entries.currency
), lines AS (
  INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
  SELECT journal.id, l.account_id, l.direction::"EntryDirection", l.amount_minor, journal.currency
    FROM ROWS FROM (jsonb_to_recordset(${$("lines")}::jsonb) AS (entry_id text, account_id text, direction text,
                                                                  amount_minor bigint))
         WITH ORDINALITY AS l(entry_id, account_id, direction, amount_minor, n)
    JOIN journal ON journal.id = l.entry_id
   ORDER BY l.n
  RETURNING ledger_lines.id
)`);
  }
  if (shape.fxConversion) {
    // Both legs are in the journal CTE above; the foreign keys (checked at the statement end) tie each to its currency.
    ctes.push(`fx_conversion AS (
  INSERT INTO fx_conversions (id, merchant_id, mode, payment_id, refund_id, kind, source_currency, source_amount_minor,
                              settlement_currency, settlement_amount_minor, original_settlement_minor, fee_minor,
                              fx_fee_minor, gain_loss_minor, rate_numerator, rate_denominator, rate_source,
                              rate_as_of, rate_path, source_entry_id, settlement_entry_id)
  SELECT c.id, p.merchant_id, p.mode, p.id, c.refund_id, c.kind, c.source_currency, c.source_amount_minor,
         c.settlement_currency, c.settlement_amount_minor, c.original_settlement_minor, c.fee_minor,
         c.fx_fee_minor, c.gain_loss_minor, c.rate_numerator::numeric, c.rate_denominator::numeric, c.rate_source,
         c.rate_as_of, c.rate_path, c.source_entry_id, c.settlement_entry_id
    FROM p, jsonb_to_recordset(${$("fxConversions")}::jsonb) AS c(id text, refund_id text, kind text,
         source_currency text, source_amount_minor bigint, settlement_currency text, settlement_amount_minor bigint,
         original_settlement_minor bigint, fee_minor bigint, fx_fee_minor bigint, gain_loss_minor bigint,
         rate_numerator text, rate_denominator text, rate_source text, rate_as_of timestamptz, rate_path text,
         source_entry_id text, settlement_entry_id text)
  RETURNING fx_conversions.id
)`);
  }
  if (shape.outbox) ctes.push(`outbox AS (${INSERT_OUTBOX_FROM($("outbox"))}\n)`);
  if (shape.operatorAudit) {
    // An operator's command: its audit row hangs off the changed payment, so it commits with the change or not
    // at all (issue 15). The actor's name rides in `after`, as operatorAuditRow does.
    ctes.push(`operator_audit AS (
  INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
  SELECT a.operator_id, a.action, 'payment', p.id, a.before, a.after
    FROM p, jsonb_to_record(${$("operatorAudit")}::jsonb) AS a(operator_id text, action text, before jsonb,
                                                              after jsonb)
  RETURNING operator_audit_log.id
)`);
  }
  const refundSources = [
    shape.refundSettlement ? "SELECT 1 AS priority, * FROM settled_refunds" : null,
    shape.refundInsert ? "SELECT 2 AS priority, * FROM new_refunds" : null,
    shape.returnRefund
      ? `SELECT 3 AS priority, r.* FROM refunds r JOIN p ON r.payment_id = p.id WHERE r.id = ${$("returnRefund")}`
      : null,
  ].filter((source) => source !== null);
  if (refundSources.length > 0) ctes.push(`refund_out AS (\n  ${refundSources.join("\n  UNION ALL ")}\n)`);
  // Every check raises (expect_rows), so a change either writes all of its rows or none: the statement runs on
  // its own, in one round trip, without BEGIN and COMMIT. Checked in this order; ChangeCheck names each.
  const check = (cte: string, expected: number, what: ChangeCheck) =>
    `expect_rows((SELECT count(*) FROM ${cte}), ${expected}, '${what}')`;
  const checks = [
    ...(shape.claim ? [check("link", 1, "idempotency claim")] : []),
    check("p", 1, "payment change"),
    ...(shape.link && !shape.claim ? [check("link", 1, "idempotency link")] : []),
    ...(shape.attemptSettlement ? [check("settled_attempts", 1, "attempt settlement")] : []),
    ...(refundSources.length > 0 ? [check("refund_out", refundSources.length, "refund")] : []),
  ];
  const columns = [
    selectList(paymentSelect, "p."),
    ...(refundSources.length > 0 ? [selectList(refundSelect, "rf.", "refund")] : []),
    `${checks.join(" + ")} AS "checked"`,
  ];
  const text = `
WITH ${ctes.join(", ")}
SELECT ${columns.join(",\n       ")}
  FROM (SELECT 1) AS always
  LEFT JOIN p ON true${
    refundSources.length > 0
      ? "\n  LEFT JOIN (SELECT * FROM refund_out ORDER BY priority LIMIT 1) AS rf ON true"
      : ""
  }`;
  const statement = { text, parameters };
  changeStatements.set(key, statement);
  return statement;
}

/**
 * Links the idempotency record ($1, created at $4) to what its request created, completing it with the stored
 * response when one is given (NULL: linked only, completed later).
 */
export const LINK_IDEMPOTENCY = `
UPDATE idempotency_records
   SET resource_id = $2,
       status = CASE WHEN $3::jsonb IS NULL THEN status ELSE 'COMPLETED' END,
       response = COALESCE($3::jsonb, response)
 WHERE id = $1 AND created_at = $4::timestamptz`;

/**
 * Completes an idempotency record with its stored response, as text with its values written in (see
 * `literal`), to send with a transaction's COMMIT in one round trip. A missing record raises (expect_rows), so
 * the COMMIT does not run.
 */
export function completeIdempotencyText(recordId: string, recordCreatedAt: Date, response: string): string {
  return `WITH completed AS (
  UPDATE idempotency_records SET status = 'COMPLETED', response = ${literal(response)}::jsonb
   WHERE id = ${literal(recordId)} AND created_at = ${literal(recordCreatedAt.toISOString())}::timestamptz
  RETURNING 1
)
SELECT expect_rows((SELECT count(*) FROM completed), 1, 'completing idempotency record ' || ${literal(recordId)})`;
}

export const INSERT_LEDGER_ACCOUNTS = `
INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency)
SELECT a.id, $1, $2::"Mode", a.code, a.type::"LedgerAccountType", $3
  FROM jsonb_to_recordset($4::jsonb) AS a(id text, code text, type text)
ON CONFLICT DO NOTHING`;

export const SELECT_LEDGER_ACCOUNTS = `
SELECT id, code FROM ledger_accounts
 WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND code = ANY($4::text[])`;
