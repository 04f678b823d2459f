// Goal (issue 22): customers' e-mails, IP addresses and payments' locations are sealed at rest in every column that
// holds them (read back
// here with raw SQL: no plaintext), searching by e-mail works through the keyed blind index, `pii backfill` seals
// rows written before sealing began (resumable, idempotent), `vault rotate` re-seals them under a new key, and
// `customer erase` removes one customer's data everywhere while the amounts and the ledger stay intact. The stored
// event copies (webhook_events payloads: an invoice's snapshot holds its customer e-mail) are sealed by the backfill,
// re-sealed by the rotation and erased by the erasure's sweep; after the erasure a search of every table of the
// database finds the e-mail, the IP and the payment's coordinates neither in clear nor in an envelope that the
// keyring opens.
import { randomBytes } from "node:crypto";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { VelocityAttempt } from "@paycore/core/ports/risk-data";
import { generateKeyMaterial, parseKeyring } from "@paycore/core/vault/card-vault";
import { createPiiVault, formatGeoPoint, PII_ERASED, parseGeoPoint } from "@paycore/core/vault/pii-vault";
import { PaymentSearchRepository } from "@paycore/db/repositories/payment-search.repository";
import { RiskDataRepository } from "@paycore/db/repositories/risk-data.repository";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../../src/testing/run-cli";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const FINGERPRINT = randomBytes(32).toString("base64");
const HASH_SECRET = randomBytes(32).toString("base64");

const ADA = "ada.lovelace@example.test";
const ADA_IP = "81.2.69.142";
const GRACE = "grace.hopper@example.test";
// Located elsewhere than Ada's (geo-IP: London and Mountain View), so her coordinates are hers alone.
const GRACE_IP = "8.8.8.8";

let t: TestApp;
let merchant: TestMerchant;
const paymentIds: Record<"ada" | "grace", string> = { ada: "", grace: "" };
let invoiceId = "";
/** Where each payment was located, as the sealed text holds it ("latitude,longitude"). */
const points: Record<"ada" | "grace", string> = { ada: "", grace: "" };

/** The opened location of a payment, or null; asserts the clear columns are empty. */
async function storedPoint(paymentId: string, app: TestApp = t): Promise<string | null> {
  const [row] = await app.app.sql.query<{
    geo_location: string | null;
    geo_latitude: number | null;
    geo_longitude: number | null;
  }>(`SELECT geo_location, geo_latitude, geo_longitude FROM payments WHERE id = $1`, [paymentId]);
  expect(row?.geo_latitude ?? null).toBeNull();
  expect(row?.geo_longitude ?? null).toBeNull();
  if (!row?.geo_location) return null;
  expect(row.geo_location).toMatch(/^pii1:/);
  return formatGeoPoint(parseGeoPoint(app.app.services.pii.open("geo", merchant.id, row.geo_location)));
}

/** Runs an operator CLI command (its program, in this process) against this test's database and keyring. */
function cli(args: string[], encryptionKeys: string): Promise<CliResult> {
  return runCliInProcess(args, {
    DATABASE_URL: t.databaseUrl,
    VAULT_ENCRYPTION_KEYS: encryptionKeys,
    VAULT_FINGERPRINT_KEY: FINGERPRINT,
    IDEMPOTENCY_HASH_SECRET: HASH_SECRET,
  });
}

async function pay(email: string, ip: string, cardNumber?: string): Promise<string> {
  const card = await t.tokenize(merchant.publishableKey, cardNumber);
  const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey("pii"),
        amount: "2500",
        currency: "EUR",
        paymentMethodId: card,
        // Mixed case and spaces: the blind index normalises, so searches in any case find it.
        customer: { email: ` ${email.toUpperCase()} `, ipAddress: ip },
        receiptEmail: email,
      },
    },
  );
  const payment = result.data?.createPayment.payment;
  if (payment?.status !== "CAPTURED") throw new Error(`payment failed: ${result.raw}`);
  return payment.id;
}

/** A fresh Luhn-valid Visa of the sandbox's BIN 424242 (the sandbox approves any). */
function freshVisa(): string {
  const body = `424242${Array.from({ length: 9 }, () => Math.floor(Math.random() * 10)).join("")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** What the fraud rules' Postgres lookup gets for a new attempt with this payment's card, a minute later. */
async function velocityAttemptOf(paymentId: string): Promise<VelocityAttempt> {
  const [row] = await t.app.sql.query<{ card_fingerprint: string; mode: "TEST" | "LIVE"; created_at: Date }>(
    `SELECT card_fingerprint, mode, created_at FROM payments WHERE id = $1`,
    [paymentId],
  );
  if (!row) throw new Error(`no payment ${paymentId}`);
  return {
    merchantId: merchant.id,
    mode: row.mode,
    paymentId: "pay_next",
    requestKey: "next",
    amountMinor: 100n,
    currency: "EUR" as CurrencyCode,
    small: false,
    at: new Date(row.created_at.getTime() + 60_000),
    cardFingerprint: row.card_fingerprint,
    email: null,
    ipAddress: null,
    deviceId: null,
    location: null,
  };
}

function receiptOf(paymentId: string, app: TestApp = t) {
  return app.gql<{ receipt: { email: string | null } | null }>(
    merchant.secretKey,
    `query($id: ID!) { receipt(paymentId: $id) { email } }`,
    { id: paymentId },
  );
}

/** Every stored value of every PII column at this merchant, as raw text. */
async function storedPii(): Promise<string[]> {
  const rows = await t.app.sql.query<{ value: string | null }>(
    `SELECT customer_email AS value FROM payments WHERE merchant_id = $1
     UNION ALL SELECT receipt_email FROM payments WHERE merchant_id = $1
     UNION ALL SELECT ip_address FROM payments WHERE merchant_id = $1
     UNION ALL SELECT geo_location FROM payments WHERE merchant_id = $1
     UNION ALL SELECT email FROM receipts WHERE merchant_id = $1
     UNION ALL SELECT to_address FROM email_outbox WHERE merchant_id = $1
     UNION ALL SELECT customer_email FROM invoices WHERE merchant_id = $1
     UNION ALL SELECT customer_email FROM checkout_sessions WHERE merchant_id = $1`,
    [merchant.id],
  );
  return rows.flatMap((row) => (row.value === null ? [] : [row.value]));
}

/** Whole rows as text: no column anywhere in these tables holds the plaintext. */
async function rowsContaining(text: string): Promise<number> {
  const [row] = await t.app.sql.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM payments p WHERE p::text ILIKE $1)
           + (SELECT count(*) FROM receipts r WHERE r::text ILIKE $1)
           + (SELECT count(*) FROM email_outbox o WHERE o::text ILIKE $1)
           + (SELECT count(*) FROM invoices i WHERE i::text ILIKE $1)
           + (SELECT count(*) FROM checkout_sessions c WHERE c::text ILIKE $1)
           + (SELECT count(*) FROM risk_assessments a WHERE a::text ILIKE $1)
           + (SELECT count(*) FROM payment_events e WHERE e::text ILIKE $1))::int AS n`,
    [`%${text}%`],
  );
  return row?.n ?? -1;
}

/** The invoice's stored event copies: every customerEmail of their snapshots (object and previous attributes). */
async function invoiceEventEmails(): Promise<string[]> {
  const rows = await t.app.sql.query<{ value: string }>(
    `SELECT v.value FROM webhook_events e, unnest(ARRAY['object', 'previousAttributes']) AS p(name),
            LATERAL (SELECT e.payload->'data'->p.name->>'customerEmail' AS value) v
      WHERE e.merchant_id = $1 AND e.object_id = $2 AND v.value IS NOT NULL ORDER BY e.created_at, p.name`,
    [merchant.id, invoiceId],
  );
  return rows.map((row) => row.value);
}

/**
 * Every table of the database whose rows hold one of `plaintexts`: in clear (any case), or inside a PII envelope
 * that the whole keyring opens for this merchant as an e-mail, an IP or a location. A location is searched as the
 * text "latitude,longitude", which is also how a row shows the two clear coordinate columns side by side.
 */
async function tablesHolding(plaintexts: string[], encryptionKeys: string): Promise<string[]> {
  const pii = createPiiVault(parseKeyring({ encryptionKeys, fingerprintKey: FINGERPRINT }));
  const wanted = plaintexts.map((text) => text.toLowerCase());
  const tables = await t.app.sql.query<{ name: string }>(
    `SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const found: string[] = [];
  for (const { name } of tables) {
    if (!/^[a-z0-9_]+$/.test(name)) continue;
    const rows = await t.app.sql.query<{ row: string }>(`SELECT r::text AS row FROM "${name}" r`);
    const holds = rows.some(({ row }) => {
      const text = row.toLowerCase();
      if (wanted.some((plain) => text.includes(plain))) return true;
      for (const envelope of row.match(/pii1:[0-9]+:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g) ?? [])
        for (const kind of ["email", "ip", "geo"] as const) {
          let opened: string | null = null;
          try {
            opened = pii.open(kind, merchant.id, envelope);
          } catch {
            // Not this kind or not this merchant's: the associated data differ.
          }
          if (opened !== null && wanted.includes(opened.toLowerCase())) return true;
        }
      return false;
    });
    if (holds) found.push(name);
  }
  return found;
}

beforeAll(async () => {
  t = await createTestApp({
    secrets: {
      vaultEncryptionKeys: `1:${K1}`,
      vaultFingerprintKey: FINGERPRINT,
      idempotencyHashSecret: HASH_SECRET,
    },
  });
  merchant = await t.createMerchant();
  paymentIds.ada = await pay(ADA, ADA_IP);
  // Her own card: the same card a second later on another continent is what the impossible-travel rule flags.
  paymentIds.grace = await pay(GRACE, GRACE_IP, freshVisa());
  points.ada = (await storedPoint(paymentIds.ada)) ?? "";
  points.grace = (await storedPoint(paymentIds.grace)) ?? "";
  if (!points.ada || !points.grace || points.ada === points.grace)
    throw new Error(`expected two distinct located payments: ${points.ada} / ${points.grace}`);
  const created = await t.gql<{ createInvoice: { invoice: { id: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey("inv"),
        currency: "EUR",
        customerEmail: ADA,
        lines: [{ description: "Consulting", quantity: 1, unitAmount: "10000" }],
      },
    },
  );
  invoiceId = created.data?.createInvoice.invoice?.id ?? "";
  if (!invoiceId) throw new Error(`createInvoice failed: ${created.raw}`);
  const finalized = await t.gql<{ finalizeInvoice: { invoice: { id: string } | null } }>(
    merchant.secretKey,
    `mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { id } errors { code } } }`,
    { input: { idempotencyKey: newKey("fin"), invoiceId } },
  );
  if (!finalized.data?.finalizeInvoice.invoice) throw new Error(`finalizeInvoice failed: ${finalized.raw}`);
  const session = await t.gql<{ createCheckoutSession: { checkoutSession: { id: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreateCheckoutSessionInput!) {
       createCheckoutSession(input: $input) { checkoutSession { id } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey("cs"),
        currency: "EUR",
        amount: "1200",
        customerEmail: ADA,
        successUrl: "https://shop.example.test/ok",
        cancelUrl: "https://shop.example.test/cancel",
      },
    },
  );
  if (!session.data?.createCheckoutSession.checkoutSession)
    throw new Error(`createCheckoutSession failed: ${session.raw}`);
});

afterAll(() => t?.close());

describe("customers' personal data at rest", () => {
  it("stores only envelopes: no column of payments, receipts, mails, invoices or sessions holds the plaintext", async () => {
    const values = await storedPii();
    // 2 payments x 4 columns, 2 receipts, 2 receipt mails + 1 invoice mail, 1 invoice, 1 checkout session.
    expect(values).toHaveLength(15);
    for (const value of values) expect(value).toMatch(/^pii1:1:/);
    for (const text of [ADA, GRACE, ADA_IP, GRACE_IP, "lovelace"]) expect(await rowsContaining(text)).toBe(0);
    // The coordinates: neither in clear columns nor in any text of these tables.
    for (const point of [points.ada, points.grace]) {
      expect(await rowsContaining(point)).toBe(0);
      expect(await rowsContaining(point.split(",")[0] as string)).toBe(0);
    }
  });

  it("gives the plaintext back to the merchant and to the receipt", async () => {
    const read = await receiptOf(paymentIds.ada);
    expect(read.data?.receipt?.email, read.raw).toBe(ADA);
  });

  it("finds payments by e-mail through the blind index, in any case, never by a substring", async () => {
    const search = new PaymentSearchRepository(t.app.db, t.app.services.pii);
    const filter = {
      statuses: [],
      merchantId: merchant.id,
      currency: null,
      amountMinMinor: null,
      amountMaxMinor: null,
      createdFrom: null,
      createdBefore: null,
    };
    const found = await search.search(
      { ...filter, search: "  Ada.Lovelace@EXAMPLE.test" },
      { first: 10, after: null },
    );
    expect(found.payments.map((p) => p.id)).toEqual([paymentIds.ada]);
    expect(found.payments[0]?.customerEmail).toBe(ADA);
    const partial = await search.search({ ...filter, search: "lovelace" }, { first: 10, after: null });
    expect(partial.payments).toEqual([]);
    const [row] = await t.app.sql.query<{ customer_email_bidx: string; ip_address_bidx: string }>(
      `SELECT customer_email_bidx, ip_address_bidx FROM payments WHERE id = $1`,
      [paymentIds.ada],
    );
    expect(row?.customer_email_bidx).toBe(t.app.services.pii.blindIndex("email", ADA));
    expect(row?.ip_address_bidx).toBe(t.app.services.pii.blindIndex("ip", ADA_IP));
    // Keyed: not the plain SHA-256 a dictionary of addresses would reverse.
    expect(row?.customer_email_bidx).not.toContain(ADA);
  });

  it("seals rows written before sealing began with `pii backfill`: resumable, then idempotent", async () => {
    // Rows as an older release wrote them: plaintext, no blind index (the maintenance switch lets the test write them).
    await t.app.sql.transaction(async (tx) => {
      await tx.execute("SET LOCAL paycore.pii_maintenance = 'on'");
      await tx.execute(
        `UPDATE payments SET customer_email = $2, customer_email_bidx = NULL WHERE id = ANY($1::text[])`,
        [[paymentIds.ada, paymentIds.grace], "legacy@example.test"],
      );
      // And their locations in the clear columns, as before 20261212040100.
      for (const who of ["ada", "grace"] as const) {
        const point = parseGeoPoint(points[who]);
        await tx.execute(
          `UPDATE payments SET geo_location = NULL, geo_latitude = $2, geo_longitude = $3 WHERE id = $1`,
          [paymentIds[who], point?.latitude, point?.longitude],
        );
      }
    });
    // Readers accept the legacy columns until the backfill: the fraud rule's lookup and the payment read.
    const legacy = await new RiskDataRepository(t.app.sql, t.app.services.pii).velocityFromPayments(
      await velocityAttemptOf(paymentIds.ada),
      0n,
    );
    expect(formatGeoPoint(legacy.previousCardLocation)).toBe(points.ada);
    // And the invoice's event copies as an event written before sealing began: Ada's address in clear.
    const sealedCopies = await invoiceEventEmails();
    expect(sealedCopies.length).toBeGreaterThan(0);
    for (const value of sealedCopies) expect(value).toMatch(/^pii1:1:/);
    await t.app.sql.execute(
      `UPDATE webhook_events SET payload = jsonb_set(payload, '{data,object,customerEmail}', to_jsonb($3::text))
        WHERE merchant_id = $1 AND object_id = $2`,
      [merchant.id, invoiceId, ADA],
    );
    const keys = `1:${K1}`;
    const partial = await cli(["pii", "backfill", "--batch-size", "1", "--max-batches", "1"], keys);
    expect(partial.code, partial.stderr).toBe(3);
    const rest = await cli(["pii", "backfill"], keys);
    expect(rest.code, rest.stderr).toBe(0);
    const again = await cli(["pii", "backfill"], keys);
    expect(again.code, again.stderr).toBe(0);
    const columns = JSON.parse(again.stdout).columns as Array<{ sealed: number }>;
    expect(columns.every((column) => column.sealed === 0)).toBe(true);
    expect(await rowsContaining("legacy@example.test")).toBe(0);
    const copies = await invoiceEventEmails();
    for (const value of copies) {
      expect(value).toMatch(/^pii1:1:/);
      expect(t.app.services.pii.open("email", merchant.id, value)).toBe(ADA);
    }
    const [row] = await t.app.sql.query<{ customer_email_bidx: string }>(
      `SELECT customer_email_bidx FROM payments WHERE id = $1`,
      [paymentIds.ada],
    );
    expect(row?.customer_email_bidx).toBe(t.app.services.pii.blindIndex("email", "legacy@example.test"));
    // The clear coordinates moved into the sealed column (storedPoint checks the clear ones are null).
    expect(await storedPoint(paymentIds.ada)).toBe(points.ada);
    expect(await storedPoint(paymentIds.grace)).toBe(points.grace);
    const located = JSON.parse(again.stdout).columns.find(
      (column: { column: string }) => column.column === "payments.geo_latitude+geo_longitude",
    );
    expect(located).toMatchObject({ sealed: 0, complete: true });
    expect(JSON.parse(rest.stdout).columns).toContainEqual(
      expect.objectContaining({ column: "payments.geo_latitude+geo_longitude", complete: true }),
    );
    // Put Ada back (sealed, as the API would have written it) for the erase below.
    await t.app.sql.transaction(async (tx) => {
      await tx.execute("SET LOCAL paycore.pii_maintenance = 'on'");
      for (const [id, email] of [
        [paymentIds.ada, ADA],
        [paymentIds.grace, GRACE],
      ] as const)
        await tx.execute(`UPDATE payments SET customer_email = $2, customer_email_bidx = $3 WHERE id = $1`, [
          id,
          t.app.services.pii.seal("email", merchant.id, email),
          t.app.services.pii.blindIndex("email", email),
        ]);
    });
  });

  it("re-seals every PII column under the new key with `vault rotate`", async () => {
    const keys = `1:${K1},2:${K2}`;
    const rotated = await cli(["vault", "rotate", "--batch-size", "3"], keys);
    expect(rotated.code, rotated.stderr).toBe(0);
    const status = await cli(["vault", "status"], keys);
    const stores = JSON.parse(status.stdout).stores as Record<string, Record<string, number>>;
    expect(stores["payments.customer_email"]).toEqual({ v2: 2 });
    expect(stores["payments.ip_address"]).toEqual({ v2: 2 });
    expect(stores["payments.geo_location"]).toEqual({ v2: 2 });
    expect(stores["receipts.email"]).toEqual({ v2: 2 });
    expect(stores["email_outbox.to_address"]).toEqual({ v2: 3 });
    expect(stores["invoices.customer_email"]).toEqual({ v2: 1 });
    expect(stores["checkout_sessions.customer_email"]).toEqual({ v2: 1 });
    const copies = await invoiceEventEmails();
    expect(stores["webhook_events.payload"]).toEqual({ v2: copies.length });
    for (const value of copies) expect(value).toMatch(/^pii1:2:/);
    for (const value of await storedPii()) expect(value).toMatch(/^pii1:2:/);
    // An API holding only the new key reads them, and the blind index (keyed by the fingerprint key) still finds them.
    const retired = await createTestApp({
      databaseUrl: t.databaseUrl,
      secrets: {
        vaultEncryptionKeys: `2:${K2}`,
        vaultFingerprintKey: FINGERPRINT,
        idempotencyHashSecret: HASH_SECRET,
      },
    });
    try {
      const search = new PaymentSearchRepository(retired.app.db, retired.app.services.pii);
      const found = await search.search(
        {
          statuses: [],
          merchantId: merchant.id,
          currency: null,
          amountMinMinor: null,
          amountMaxMinor: null,
          createdFrom: null,
          createdBefore: null,
          search: ADA,
        },
        { first: 10, after: null },
      );
      expect(found.payments.map((p) => [p.id, p.customerEmail])).toEqual([[paymentIds.ada, ADA]]);
    } finally {
      await retired.close();
    }
  });

  it("erases one customer everywhere with `customer erase`, audited, leaving amounts and the ledger intact", async () => {
    const before = await t.app.sql.query<{ id: string; amount_captured_minor: string; version: number }>(
      `SELECT id, amount_captured_minor::text, version FROM payments WHERE merchant_id = $1 ORDER BY id`,
      [merchant.id],
    );
    const ledger = () =>
      t.app.sql.query<{ entries: string; lines: string }>(
        `SELECT (SELECT md5(string_agg(j::text, '|' ORDER BY j.id)) FROM journal_entries j) AS entries,
                (SELECT md5(string_agg(l::text, '|' ORDER BY l::text)) FROM ledger_lines l) AS lines`,
      );
    const ledgerBefore = await ledger();
    const eventCopies = (await invoiceEventEmails()).length;
    // Before: the whole-database search does find Ada (it is not blind).
    expect(await tablesHolding([ADA, ADA_IP, points.ada], `1:${K1},2:${K2}`)).not.toEqual([]);
    expect(await tablesHolding([points.ada], `1:${K1},2:${K2}`)).toEqual(["payments"]);
    const refused = await cli(
      ["customer", "erase", "--email", "not-an-address", "--merchant", merchant.id, "--reason", "ticket 42"],
      `1:${K1},2:${K2}`,
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: "REFUSED", code: "INVALID_INPUT" });

    const erased = await cli(
      ["customer", "erase", "--email", ADA.toUpperCase(), "--merchant", merchant.id, "--reason", "ticket 42"],
      `1:${K1},2:${K2}`,
    );
    expect(erased.code, erased.stderr).toBe(0);
    const output = JSON.parse(erased.stdout);
    expect(output).toEqual({
      status: "ERASED",
      payments: 1,
      receipts: 1,
      invoices: 1,
      checkoutSessions: 1,
      mails: 2,
      storedCopies: expect.any(Number),
    });
    // The invoice's events, and the stored responses of the payment, invoice and session creations.
    expect(output.storedCopies).toBeGreaterThanOrEqual(eventCopies + 3);
    // The stored event copies hold the erased marker (the events feed and deliveries read it as null), the stored
    // idempotent responses hold null, and no table of the database holds Ada's address or IP in clear or in an
    // envelope the keyring opens.
    const copies = await invoiceEventEmails();
    expect(copies).toHaveLength(eventCopies);
    for (const value of copies) expect(value).toBe(PII_ERASED);
    expect(await tablesHolding([ADA, ADA_IP, points.ada], `1:${K1},2:${K2}`)).toEqual([]);
    // Grace's data is still there: the search is not blind.
    expect(await tablesHolding([GRACE], `1:${K1},2:${K2}`)).not.toEqual([]);
    expect(await tablesHolding([points.grace], `1:${K1},2:${K2}`)).toEqual(["payments"]);
    const sweeps = await t.app.sql.query<{
      email_index: string | null;
      finished: boolean;
      copies_erased: number;
    }>(
      `SELECT email_index, finished_at IS NOT NULL AS finished, copies_erased FROM pii_erasure_sweeps
        WHERE merchant_id = $1`,
      [merchant.id],
    );
    expect(sweeps).toEqual([{ email_index: null, finished: true, copies_erased: output.storedCopies }]);
    expect(await ledger()).toEqual(ledgerBefore);

    const [ada] = await t.app.sql.query<Record<string, string | null>>(
      `SELECT customer_email, customer_email_bidx, receipt_email, receipt_email_bidx, ip_address, ip_address_bidx,
              geo_location, geo_latitude, geo_longitude
         FROM payments WHERE id = $1`,
      [paymentIds.ada],
    );
    expect(Object.values(ada ?? { missing: "row" }).every((value) => value === null)).toBe(true);
    const [receipt] = await t.app.sql.query<{ email: string }>(
      `SELECT email FROM receipts WHERE payment_id = $1`,
      [paymentIds.ada],
    );
    expect(receipt?.email).toBe("pii1:erased");
    const [invoice] = await t.app.sql.query<{ customer_email: string | null }>(
      `SELECT customer_email FROM invoices WHERE id = $1`,
      [invoiceId],
    );
    expect(invoice?.customer_email).toBeNull();
    const sessions = await t.app.sql.query<{ customer_email: string | null }>(
      `SELECT customer_email FROM checkout_sessions WHERE merchant_id = $1`,
      [merchant.id],
    );
    expect(sessions.map((s) => s.customer_email)).toEqual([null]);

    // Grace is untouched, and so are every payment's amounts and versions. (Read by an API that has the new key:
    // the rotation above sealed everything under version 2.)
    const current = await createTestApp({
      databaseUrl: t.databaseUrl,
      secrets: {
        vaultEncryptionKeys: `1:${K1},2:${K2}`,
        vaultFingerprintKey: FINGERPRINT,
        idempotencyHashSecret: HASH_SECRET,
      },
    });
    try {
      const read = await receiptOf(paymentIds.grace, current);
      expect(read.data?.receipt?.email, read.raw).toBe(GRACE);
      // The erased customer's receipt is still there (a financial record), rendered without the address.
      const erasedReceipt = await receiptOf(paymentIds.ada, current);
      expect(erasedReceipt.data?.receipt, erasedReceipt.raw).toEqual({ email: null });
    } finally {
      await current.close();
    }
    const after = await t.app.sql.query<{ id: string; amount_captured_minor: string; version: number }>(
      `SELECT id, amount_captured_minor::text, version FROM payments WHERE merchant_id = $1 ORDER BY id`,
      [merchant.id],
    );
    expect(after).toEqual(before);

    const audit = await t.app.sql.query<{ target_id: string; after: Record<string, unknown> }>(
      `SELECT target_id, after FROM operator_audit_log WHERE action = 'customer.erase'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.target_id).toBe(merchant.id);
    expect(audit[0]?.after).toMatchObject({ reason: "ticket 42", payments: 1 });
    expect(JSON.stringify(audit[0]?.after)).not.toContain("lovelace");
    await t.expectLedgerBalanced();
  });
});
