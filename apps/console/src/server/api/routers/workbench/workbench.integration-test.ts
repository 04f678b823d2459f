// Goal: the exception workbench's actions run through the core and leave their audit row in the same transaction,
// with the ledger invariant after each: a partial capture and a cancel of authorized payments (with the operator
// audit written by the payment command), dead letters (a replay that still fails stays open, a dismissal closes
// it), an escalated attempt resolved with the PSP's out-of-band answer, dispute evidence on the merchant's
// behalf and acceptance, manual ledger adjustments (four eyes above the threshold, counted per operator over a
// day so that small ones sent at once cannot add up past it; one form posts once), the ledger check (a
// disagreement becomes a needs-attention item) and the needs-attention cards that link to each list.
import { randomBytes } from "node:crypto";
import type { PaymentId } from "@paycore/core/ids/ids";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadLettersExport } from "../../../export/dead-letters-export";
import { csvExportRoute } from "../../../export/export-route";
import { newKey, randomVisa, type SeededMerchant, seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let acme: SeededMerchant;
let operator: Browser;
let secondOperator: Browser;
let viewer: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  acme = await seedMerchant(c.t.app, "Acme");
  operator = await c.signedIn("OPERATOR");
  secondOperator = await c.signedIn("OPERATOR");
  viewer = await c.signedIn("VIEWER");
});
afterAll(async () => {
  await c?.close();
});

async function auditOf(targetId: string) {
  const { entries } = await c.services.operators.listAudit({
    search: targetId,
    operatorId: null,
    beforeId: null,
    first: 100,
  });
  return entries;
}

async function authorizedPayment(amountMinor = 10_000n) {
  const commands = c.t.app.services.commands;
  const method = await commands.tokenizeCard(acme.actor, {
    idempotencyKey: newKey("tok"),
    card: { number: randomVisa(), expMonth: 12, expYear: 2035, cvc: "123" },
  });
  const created = await commands.createPayment(acme.actor, {
    idempotencyKey: newKey("pay"),
    amount: amountMinor.toString(),
    currency: "USD",
    paymentMethodId: method.value.paymentMethod.id,
    captureMethod: "MANUAL",
  });
  expect(created.value.payment.status).toBe("AUTHORIZED");
  return created.value.payment;
}

describe("capture and cancel from the console", () => {
  it("captures part of an authorization once (double submit), audited in the capture's transaction", async () => {
    const payment = await authorizedPayment();
    const api = await operator.api();
    const form = { paymentId: payment.id, amount: "40.00", idempotencyKey: "capture-form-1" };
    const [first, second] = await Promise.all([api.payments.capture(form), api.payments.capture(form)]);
    expect([first.replayed, second.replayed].sort()).toEqual([false, true]);
    expect(first.payment).toMatchObject({ status: "CAPTURED", amountCapturedMinor: "4000" });
    const audit = await auditOf(payment.id);
    expect(audit.map((entry) => entry.action)).toEqual(["payment.capture"]);
    expect(audit[0]).toMatchObject({
      targetType: "payment",
      before: { status: "AUTHORIZED", amountCapturedMinor: "0" },
      after: { status: "CAPTURED", amountCapturedMinor: "4000", requestedAmountMinor: "4000", posted: true },
    });
    // More than is capturable is refused before the PSP is asked, and writes nothing.
    const other = await authorizedPayment(1_000n);
    await expect(
      api.payments.capture({ paymentId: other.id, amount: "10.01", idempotencyKey: "capture-form-2" }),
    ).rejects.toMatchObject({ cause: { code: "AMOUNT_EXCEEDS_CAPTURABLE" } });
    expect(await auditOf(other.id)).toEqual([]);
    await c.t.expectLedgerBalanced();
  });

  it("cancels an authorized payment with a reason; viewers cannot", async () => {
    const payment = await authorizedPayment();
    await expect(
      (await viewer.api()).payments.cancel({
        paymentId: payment.id,
        reason: "x",
        idempotencyKey: "cancel-v-1",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const result = await (await operator.api()).payments.cancel({
      paymentId: payment.id,
      reason: "customer asked",
      idempotencyKey: "cancel-form-1",
    });
    expect(result.payment.status).toBe("CANCELLED");
    expect((await auditOf(payment.id))[0]).toMatchObject({
      action: "payment.cancel",
      before: { status: "AUTHORIZED" },
      after: { status: "CANCELLED", reason: "customer asked" },
    });
    // A declined payment shows nothing authorized.
    const declined = await seedPayment(c.t.app, acme, { cardNumber: "4000000000000002" });
    const detail = await (await viewer.api()).payments.detail({ id: declined.id });
    expect(detail.payment).toMatchObject({ status: "DECLINED", amountAuthorizedMinor: "0" });
    await c.t.expectLedgerBalanced();
  });
});

describe("dead letters", () => {
  it("lists open letters; a replay that still fails keeps one open, a dismissal closes it with its audit row", async () => {
    const reference = `pi_${randomBytes(6).toString("hex")}`;
    const payload = {
      id: `evt_${randomBytes(6).toString("hex")}`,
      type: "payment_intent.succeeded",
      data: { object: { object: "payment_intent", id: reference, status: "succeeded", metadata: {} } },
    };
    const webhooks = c.t.app.services.webhooks;
    const id = await webhooks.deadLetter(
      "webhook:stripe",
      reference,
      "no payment with this PSP reference",
      payload,
    );
    // The same event again while open: seen again, not a second letter.
    expect(
      await webhooks.deadLetter("webhook:stripe", reference, "no payment with this PSP reference", payload),
    ).toBe(id);
    const api = await operator.api();
    const open = await api.deadLetters.list({ state: "OPEN" });
    expect(open.letters.find((letter) => letter.id === id.toString())).toMatchObject({
      seenCount: 2,
      state: "OPEN",
      reason: "no payment with this PSP reference",
    });
    // The count covers every page of the state, as the table itself holds it.
    const lettersIn = async (where: string) =>
      Number(
        (
          await c.t.app.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters WHERE ${where}`)
        )[0]?.n,
      );
    const openBefore = await lettersIn("replayed_at IS NULL AND dismissed_at IS NULL");
    expect(openBefore).toBeGreaterThanOrEqual(1);
    expect(open).toMatchObject({ count: openBefore, countCapped: false });
    const detail = await (await viewer.api()).deadLetters.detail({ id: id.toString() });
    expect(detail.payload).toContain(reference);

    const replay = await api.deadLetters.replay({ id: id.toString() });
    // Both of the event's notifications (authorization and capture) still name no payment we know.
    expect(replay).toMatchObject({ closed: false, stillFailing: ["unknown_payment", "unknown_payment"] });
    expect(await auditOf(id.toString())).toEqual([]);

    await expect(api.deadLetters.dismiss({ id: id.toString(), note: "  " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await api.deadLetters.dismiss({ id: id.toString(), note: "a test event from the PSP dashboard" });
    expect(await api.deadLetters.list({ state: "OPEN" })).toMatchObject({ count: openBefore - 1 });
    expect(await api.deadLetters.list({ state: "DISMISSED" })).toMatchObject({
      count: await lettersIn("dismissed_at IS NOT NULL"),
      countCapped: false,
    });
    expect((await api.deadLetters.list({ state: "ALL" })).count).toBe(await lettersIn("true"));
    const audit = await auditOf(id.toString());
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "dead_letter.dismiss",
      targetType: "dead_letter",
      before: { state: "OPEN", seenCount: 2 },
      after: { state: "DISMISSED", note: "a test event from the PSP dashboard" },
    });
    await expect(api.deadLetters.replay({ id: id.toString() })).rejects.toMatchObject({
      cause: { code: "DEAD_LETTER_CLOSED" },
    });
    await expect(api.deadLetters.detail({ id: "999999999" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // The database keeps a closed letter closed.
    await expect(
      c.t.app.db.$executeRawUnsafe(`UPDATE dead_letters SET dismissed_at = NULL WHERE id = ${id}`),
    ).rejects.toThrow(/closed/);
  });

  it("counts the letters of a state up to a cap", async () => {
    const webhooks = c.t.app.services.webhooks;
    for (const n of [1, 2]) {
      await webhooks.deadLetter("webhook:stripe", `pi_${randomBytes(6).toString("hex")}`, `count test ${n}`, {
        id: `evt_${randomBytes(6).toString("hex")}`,
      });
    }
    const reads = c.t.app.services.deadLetterReads;
    const open = await reads.count("OPEN");
    expect(open.count).toBeGreaterThanOrEqual(2);
    expect(await reads.count("OPEN", open.count)).toEqual({ count: open.count, capped: false });
    expect(await reads.count("OPEN", 1)).toEqual({ count: 1, capped: true });
    expect(await (await viewer.api()).deadLetters.list({ state: "OPEN", first: 1 })).toMatchObject({
      count: open.count,
      countCapped: false,
    });
  });

  it("exports the list in its state as CSV (no payloads), audited; a bad state is a sentence", async () => {
    const reference = `pi_${randomBytes(6).toString("hex")}`;
    const id = await c.t.app.services.webhooks.deadLetter(
      "webhook:stripe",
      reference,
      "=1+1 no payment with this reference",
      { id: `evt_${randomBytes(6).toString("hex")}` },
    );
    const GET = csvExportRoute(deadLettersExport);
    const request = (browser: Browser | null, query: string) =>
      new Request(`http://localhost:3000/dead-letters/export?${query}`, {
        headers: browser
          ? {
              cookie: [...browser.cookies]
                .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
                .join("; "),
            }
          : {},
      });
    const csv = async (query: string) =>
      parse(await (await GET(request(viewer, query))).text(), { columns: true }) as Array<
        Record<string, string>
      >;
    // The route reads the console's services as the app does (a process global), set for this test only.
    const global = globalThis as { paycoreConsoleServices?: unknown };
    global.paycoreConsoleServices = c.services;
    try {
      const response = await GET(request(viewer, "state=OPEN"));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-disposition")).toMatch(
        /filename="dead-letters-\d{4}-\d{2}-\d{2}\.csv"/,
      );
      const rows = parse(await response.text(), { columns: true }) as Array<Record<string, string>>;
      expect(rows.every((row) => row.state === "OPEN")).toBe(true);
      expect(rows.find((row) => row.id === id.toString())).toMatchObject({
        source: "webhook:stripe",
        reference,
        // A formula is neutralised, as in every export.
        reason: "'=1+1 no payment with this reference",
        seen_count: "1",
      });
      expect(Object.keys(rows[0] ?? {})).not.toContain("payload");
      // The letter the test above dismissed is not open; the ALL list has it.
      const all = await csv("state=ALL");
      expect(all.some((row) => row.state === "DISMISSED")).toBe(true);
      expect(all.length).toBeGreaterThan(rows.length);
      const { entries } = await c.services.operators.listAudit({
        search: "export.dead-letters",
        operatorId: null,
        beforeId: null,
        first: 10,
      });
      expect(entries.map((entry) => entry.action)).toContain("export.dead-letters");
      const bad = await GET(request(viewer, "state=LOST"));
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/^Invalid filter: state/);
      expect((await GET(request(null, "state=OPEN"))).status).toBe(401);
    } finally {
      global.paycoreConsoleServices = undefined;
    }
  });
});

describe("escalated attempts", () => {
  it("an operator records the PSP's confirmed success: the payment is authorized, audited, no longer escalated", async () => {
    c.t.sandbox.injectFault("authorize", "timeout_before_processing");
    const pending = await seedPayment(c.t.app, acme, { amountMinor: 700n });
    expect(pending.status).toBe("PENDING");
    await c.t.app.db
      .$executeRaw`UPDATE psp_attempts SET escalated_at = now() WHERE payment_id = ${pending.id}`;
    const api = await operator.api();
    const [escalated] = (await api.escalations.list()).filter((row) => row.paymentId === pending.id);
    expect(escalated).toMatchObject({ operation: "AUTHORIZE", status: "UNKNOWN", amountMinor: "700" });
    if (!escalated) throw new Error("not listed");
    await expect(
      api.escalations.resolve({
        paymentId: pending.id,
        attemptId: escalated.attemptId,
        outcome: "SUCCEEDED",
        pspReference: null,
        note: "support ticket 7",
      }),
    ).rejects.toMatchObject({ cause: { code: "INVALID_INPUT" } });
    const resolved = await api.escalations.resolve({
      paymentId: pending.id,
      attemptId: escalated.attemptId,
      outcome: "SUCCEEDED",
      pspReference: "psp_confirmed_1",
      note: "support ticket 7",
    });
    // Automatic capture: the confirmed authorization captures, as the PSP's own answer would have.
    expect(resolved.payment.status).toBe("CAPTURED");
    expect((await auditOf(pending.id))[0]).toMatchObject({
      action: "attempt.resolve",
      before: { status: "PENDING" },
      after: { status: "CAPTURED", confirmedOutcome: "SUCCEEDED", pspReference: "psp_confirmed_1" },
    });
    expect((await api.escalations.list()).some((row) => row.paymentId === pending.id)).toBe(false);
    await c.t.expectLedgerBalanced();
  });
});

describe("disputes", () => {
  async function disputedPayment() {
    const payment = await seedPayment(c.t.app, acme, { amountMinor: 5_000n });
    const opened = await c.t.app.services.disputes.applyNotification({
      pspName: payment.pspName ?? "sandbox",
      disputeReference: `dp_psp_${randomBytes(6).toString("hex")}`,
      paymentPspReference: payment.pspReference ?? "",
      status: "NEEDS_RESPONSE",
      stage: "chargeback",
      pspStage: "chargeback",
      amountMinor: 5_000n,
      currency: "USD",
      reason: "fraudulent",
      reasonCode: "10.4",
      evidenceDueBy: new Date(Date.now() + 7 * 86_400_000),
    });
    if (!opened.applied) throw new Error(`dispute not opened: ${opened.reason}`);
    return { payment, dispute: opened.dispute };
  }

  it("queues disputes by evidence due date with what is at stake; evidence on the merchant's behalf is audited", async () => {
    const { payment, dispute } = await disputedPayment();
    const api = await operator.api();
    const queue = await api.disputes.queue();
    expect(queue.disputes.find((row) => row.id === dispute.id)).toMatchObject({
      paymentId: payment.id,
      status: "NEEDS_RESPONSE",
      amountMinor: "5000",
      reason: "fraudulent",
    });
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n").toString("base64");
    // Not a PDF, PNG or JPEG by its content: refused, nothing stored.
    await expect(
      api.disputes.submitEvidence({
        disputeId: dispute.id,
        idempotencyKey: "evidence-form-0",
        productDescription: "A blue mug",
        files: [{ filename: "receipt.pdf", base64: Buffer.from("not a pdf at all").toString("base64") }],
      }),
    ).rejects.toMatchObject({ cause: { code: "EVIDENCE_INVALID" } });
    const form = {
      disputeId: dispute.id,
      idempotencyKey: "evidence-form-1",
      productDescription: "A blue mug, delivered",
      shippingTracking: "TRACK-1A2B",
      files: [{ filename: "scan.pdf", kind: "RECEIPT" as const, base64: pdf }],
    };
    const sent = await api.disputes.submitEvidence(form);
    expect(sent).toMatchObject({ dispute: { status: "UNDER_REVIEW" }, files: 1, replayed: false });
    // The kind the operator chose is stored with the file (the PSP files it by kind, not by its name).
    const stored = await c.t.app.db.storedFile.findFirstOrThrow({
      where: { merchantId: dispute.merchantId, filename: "scan.pdf", purpose: "dispute_evidence" },
      select: { evidenceKind: true },
    });
    expect(stored.evidenceKind).toBe("RECEIPT");
    expect(await api.disputes.submitEvidence(form)).toMatchObject({ replayed: true });
    expect((await auditOf(dispute.id))[0]).toMatchObject({
      action: "dispute.evidence_submitted",
      after: { status: "UNDER_REVIEW", files: 1 },
    });
    const detail = await (await viewer.api()).disputes.detail({ id: dispute.id });
    expect(detail.dispute).toMatchObject({ status: "UNDER_REVIEW", canRespond: false });
    expect(detail.events.map((event) => event.type)).toContain("dispute.evidence_submitted");
    await c.t.expectLedgerBalanced();
  });

  it("counts every open dispute (not only the listed ones), bounded by a cap", async () => {
    const openDisputes = async () =>
      Number(
        (
          await c.t.app.sql.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM disputes WHERE status IN ('INQUIRY', 'NEEDS_RESPONSE', 'UNDER_REVIEW')",
          )
        )[0]?.n,
      );
    const api = await viewer.api();
    const before = await api.disputes.queue();
    expect(before).toMatchObject({ count: await openDisputes(), countCapped: false });
    await disputedPayment();
    const { dispute } = await disputedPayment();
    const after = await api.disputes.queue();
    expect(after.count).toBe(before.count + 2);
    expect(after.disputes.some((row) => row.id === dispute.id)).toBe(true);
    // Below the cap the count is exact; at it, the count stops and says so ("2+" on the page).
    const queries = c.t.app.services.workbenchQueries;
    expect(await queries.disputesQueueCount(after.count)).toEqual({ count: after.count, capped: false });
    expect(await queries.disputesQueueCount(2)).toEqual({ count: 2, capped: true });
  });

  it("an operator accepts a dispute; the money stays withdrawn and the ledger agrees", async () => {
    const { dispute } = await disputedPayment();
    const accepted = await (await operator.api()).disputes.accept({
      id: dispute.id,
      idempotencyKey: "accept-1",
    });
    expect(accepted.status).toBe("ACCEPTED");
    expect((await auditOf(dispute.id))[0]).toMatchObject({ action: "dispute.accepted" });
    await c.t.expectLedgerBalanced();
  });
});

describe("manual ledger adjustments and the ledger check", () => {
  it("posts a small adjustment at once; a large one waits for a second operator, who posts it; both recorded", async () => {
    const api = await operator.api();
    const small = await api.ledger.adjust({
      idempotencyKey: newKey("adj"),
      merchantId: acme.id,
      mode: "TEST",
      currency: "USD",
      debitAccount: "fee_revenue",
      creditAccount: "merchant_balance",
      amount: "12.50",
      reason: "goodwill credit for a late payout",
    });
    expect(small.status).toBe("POSTED");
    expect((await auditOf(small.journalEntryId))[0]).toMatchObject({ action: "ledger.adjust" });

    await expect(
      api.ledger.adjust({
        idempotencyKey: newKey("adj"),
        merchantId: acme.id,
        mode: "TEST",
        currency: "USD",
        debitAccount: "merchant_balance",
        creditAccount: "merchant_balance",
        amount: "1.00",
        reason: "same account",
      }),
    ).rejects.toMatchObject({ cause: { code: "LEDGER_ADJUSTMENT_INVALID" } });

    const large = await api.ledger.adjust({
      idempotencyKey: newKey("adj"),
      merchantId: acme.id,
      mode: "TEST",
      currency: "USD",
      debitAccount: "recon_adjustments",
      creditAccount: "merchant_balance",
      amount: "250.00",
      reason: "settlement shortfall we owe the merchant",
    });
    if (large.status !== "PENDING_APPROVAL") throw new Error("expected an approval request");
    const countEntries = async () =>
      (await c.t.app.db.journalEntry.count({ where: { id: large.journalEntryId } })) as number;
    expect(await countEntries()).toBe(0);
    // The requester cannot approve their own request.
    await expect(api.ledger.approve({ id: large.approvalRequestId, note: "fine" })).rejects.toMatchObject({
      cause: { code: "APPROVAL_SAME_OPERATOR" },
    });
    const approved = await (await secondOperator.api()).ledger.approve({
      id: large.approvalRequestId,
      note: "checked against the statement",
    });
    expect(approved.status).toBe("APPROVED");
    expect(await countEntries()).toBe(1);
    const overview = await (await viewer.api()).ledger.overview();
    expect(overview.adjustments.find((row) => row.journalEntryId === large.journalEntryId)).toMatchObject({
      amountMinor: "25000",
      requestedBy: expect.stringMatching(/^operator\d+@example.com$/),
      approvedBy: expect.stringMatching(/^operator\d+@example.com$/),
    });
    await c.t.expectLedgerBalanced();
  });

  it("one operator's small adjustments count together: sent at once, at most the threshold posts unapproved", async () => {
    // The 2026-12-08 campaign: 100 adjustments of 100.00 credited 10,000.00 to a merchant with no second operator.
    const shop = await seedMerchant(c.t.app, "Split");
    const api = await operator.api();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.ledger.adjust({
          idempotencyKey: newKey("adj"),
          merchantId: shop.id,
          mode: "TEST",
          currency: "USD",
          debitAccount: "recon_adjustments",
          creditAccount: "merchant_balance",
          amount: "10.00",
          reason: "goodwill credit",
        }),
      ),
    );
    const posted = results.filter((result) => result.status === "POSTED");
    expect(posted).toHaveLength(10);
    const requests = results.flatMap((result) =>
      result.status === "PENDING_APPROVAL" ? [result.approvalRequestId] : [],
    );
    expect(requests).toHaveLength(10);
    const rows = await c.t.app.db.ledgerAdjustment.findMany({
      where: { merchantId: shop.id },
      select: { amountMinor: true, approvedBy: true },
    });
    expect(rows.reduce((sum, row) => sum + row.amountMinor, 0n)).toBe(10_000n);
    // Each request past the threshold posts once a second operator approves it.
    const second = await secondOperator.api();
    expect((await second.ledger.approve({ id: requests[0] ?? "", note: "checked" })).status).toBe("APPROVED");
    expect(await c.t.app.db.ledgerAdjustment.count({ where: { merchantId: shop.id } })).toBe(11);
    // Another operator's own direct adjustments are counted apart.
    const other = await second.ledger.adjust({
      idempotencyKey: newKey("adj"),
      merchantId: shop.id,
      mode: "TEST",
      currency: "USD",
      debitAccount: "recon_adjustments",
      creditAccount: "merchant_balance",
      amount: "10.00",
      reason: "goodwill credit",
    });
    expect(other.status).toBe("POSTED");
    await c.t.expectLedgerBalanced();
  });

  it("a form submitted 20 times at once posts one adjustment, and each answer names it", async () => {
    const shop = await seedMerchant(c.t.app, "Double submit");
    const api = await operator.api();
    const form = {
      merchantId: shop.id,
      mode: "TEST" as const,
      currency: "USD",
      debitAccount: "recon_adjustments" as const,
      creditAccount: "merchant_balance" as const,
      amount: "5.00",
      reason: "refund of a shipping fee",
      idempotencyKey: newKey("form"),
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.ledger.adjust(form)));
    expect(new Set(answers.map((answer) => `${answer.status} ${answer.journalEntryId}`)).size).toBe(1);
    expect(await c.t.app.db.ledgerAdjustment.count({ where: { merchantId: shop.id } })).toBe(1);
    await expect(api.ledger.adjust({ ...form, amount: "6.00" })).rejects.toMatchObject({
      cause: { code: "IDEMPOTENCY_KEY_REUSED" },
    });
    await c.t.expectLedgerBalanced();
  });

  it("the check on demand is clean on a consistent ledger; a disagreement becomes a needs-attention item", async () => {
    const api = await operator.api();
    const clean = await api.ledger.runCheck();
    expect(clean).toMatchObject({ ok: true, findings: [] });
    // A payment whose captured amount no longer matches its entries (as a bug would leave it).
    const payment = await seedPayment(c.t.app, acme, { amountMinor: 900n });
    await c.t.app.db.$executeRaw`
      UPDATE payments SET amount_captured_minor = 800, amount_capturable_minor = 0, version = version + 1
       WHERE id = ${payment.id as PaymentId}`;
    const broken = await api.ledger.runCheck();
    expect(broken.ok).toBe(false);
    expect(broken.findings).toContainEqual(
      expect.objectContaining({ kind: "payment_disagrees", subject: payment.id }),
    );
    const summary = await (await viewer.api()).overview.summary();
    const card = summary.needsAttention.find((item) => item.id === "ledger_disagreements");
    expect(card).toMatchObject({ href: "/ledger", count: 1 });
    // Every card links to its list.
    expect(summary.needsAttention.every((item) => item.href.startsWith("/"))).toBe(true);
    // Put it back so the suite's ledger invariant holds.
    await c.t.app.db.$executeRaw`
      UPDATE payments SET amount_captured_minor = 900, version = version + 1 WHERE id = ${payment.id as PaymentId}`;
    expect((await api.ledger.runCheck()).ok).toBe(true);
    await c.t.expectLedgerBalanced();
  });
});

describe("authorization expiry", () => {
  it("warns a day ahead (listed, counted), then voids through the cancel path before its brand's window closes", async () => {
    const payment = await authorizedPayment(3_000n);
    const services = c.t.app.services;
    const windows = services.workbenchConfig.authorizationWindows;
    const authorizedAgo = async (sql: string) =>
      c.t.app.db.$executeRawUnsafe(
        `UPDATE psp_attempts SET updated_at = now() - interval '${sql}'
          WHERE payment_id = '${payment.id}' AND operation = 'AUTHORIZE'`,
      );
    // Authorized just now: nothing is due within a 7-day window.
    expect(await services.commands.expireAuthorizations(services.authorizationExpiry, windows)).toEqual({
      warned: 0,
      voided: 0,
      failed: 0,
    });
    // Its window closes in 12 hours: the warning, once. A brand with a longer window of its own (the card is a
    // Visa) is not due yet: the brand's window counts, not the default.
    await authorizedAgo("6 days 12 hours");
    expect(
      await services.commands.expireAuthorizations(services.authorizationExpiry, {
        ...windows,
        byBrand: { visa: 30 },
      }),
    ).toEqual({ warned: 0, voided: 0, failed: 0 });
    expect(await services.commands.expireAuthorizations(services.authorizationExpiry, windows)).toMatchObject(
      {
        warned: 1,
        voided: 0,
      },
    );
    expect(await services.commands.expireAuthorizations(services.authorizationExpiry, windows)).toMatchObject(
      {
        warned: 0,
        voided: 0,
      },
    );
    const api = await viewer.api();
    expect((await api.authorizations.expiring()).map((row) => row.paymentId)).toContain(payment.id);
    const card = (await api.overview.summary()).needsAttention.find(
      (item) => item.id === "expiring_authorizations",
    );
    expect(card).toMatchObject({ href: "/authorizations", count: 1 });
    // 30 minutes before the window closes: voided.
    await authorizedAgo("6 days 23 hours 30 minutes");
    expect(await services.commands.expireAuthorizations(services.authorizationExpiry, windows)).toMatchObject(
      {
        voided: 1,
      },
    );
    const detail = await api.payments.detail({ id: payment.id });
    expect(detail.payment.status).toBe("CANCELLED");
    expect(detail.timeline.map((item) => item.title).join(" ")).toMatch(/authorization\.expir/);
    expect((await api.authorizations.expiring()).map((row) => row.paymentId)).not.toContain(payment.id);
    await c.t.expectLedgerBalanced();
  });
});
