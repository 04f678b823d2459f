// Goal: a report in each PSP's published layout, as their dashboards and APIs deliver it (a byte-order mark, CRLF
// line ends, quoted cells holding commas, quotes and line breaks, columns we do not use, Adyen's reserved
// columns, a Creation Date in the account's time zone), reads into exact lines through the importer's own path:
// reportRows, the header check and the PSP's line reader.
import { Readable } from "node:stream";
import {
  assertSettlementHeader,
  type SettlementLine,
  type SettlementPsp,
  settlementLineReader,
} from "@paycore/core/reconciliation/settlement-line";
import { describe, expect, it } from "vitest";
import { reportRows } from "./settlement-report-file";

async function readReport(psp: SettlementPsp, text: string): Promise<SettlementLine[]> {
  const read = settlementLineReader(psp);
  const lines: SettlementLine[] = [];
  let header: string[] | null = null;
  for await (const row of reportRows(Readable.from([Buffer.from(text, "utf8")]))) {
    if (header === null) {
      header = row.cells.map((name) => name.trim());
      assertSettlementHeader(psp, header);
      continue;
    }
    expect(row.cells).toHaveLength(header.length);
    const record = Object.fromEntries(header.map((name, index) => [name, row.cells[index]]));
    lines.push(read(record, row.lineNumber));
  }
  return lines;
}

const crlf = (rows: string[]) => `\uFEFF${rows.join("\r\n")}\r\n`;

describe("a settlement report in the PSP's published layout", () => {
  it("reads Adyen's Settlement details report with every standard column, in CET", async () => {
    const text = crlf([
      "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10",
      'PaycoreCo,PaycoreEUR,8825123456789010,pay_01KAAAAAAAAAAAAAAAAAAAAAAA,visa,2026-03-14 00:30:00,CET,Settled,8825123456789021,KWD,,12.345,1,KWD,,12.271,0.024,0.010,0.020,0.020,visacredit,"capture ""one"", first",20526,,,,,,,',
      "PaycoreCo,PaycoreEUR,8825123456789010,pay_01KAAAAAAAAAAAAAAAAAAAAAAA,visa,2026-03-14 11:00:00,CET,Refunded,8825123456789032,KWD,1.000,,1,KWD,1.000,,,,,,visacredit,,20526,,,,,,,",
      "PaycoreCo,PaycoreEUR,,,,2026-03-14 23:59:59,CET,Fee,Transaction Fees,,,,,JPY,11,,,,,,,,20526,,,,,,,",
    ]);
    const lines = await readReport("adyen", text);
    expect(
      lines.map((line) => [
        line.lineNumber,
        line.type,
        line.currency,
        line.grossMinor,
        line.feeMinor,
        line.netMinor,
      ]),
    ).toEqual([
      [2, "CAPTURE", "KWD", 12345n, 74n, 12271n],
      [3, "REFUND", "KWD", -1000n, 0n, -1000n],
      [4, "FEE", "JPY", 0n, 11n, -11n],
    ]);
    // 00:30 in Central European Time is 23:30 UTC the day before.
    expect(lines[0]?.bookedAt.toISOString()).toBe("2026-03-13T23:30:00.000Z");
    expect(lines[0]).toMatchObject({
      pspReference: "8825123456789010",
      modificationReference: "8825123456789021",
      merchantReference: "pay_01KAAAAAAAAAAAAAAAAAAAAAAA",
      merchantAccount: "PaycoreEUR",
      batch: "20526",
    });
  });

  it("reads Stripe's itemized balance change report with its default columns and payment metadata", async () => {
    const text = crlf([
      "balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,source_id,description,customer_facing_amount,customer_facing_currency,automatic_payout_id,automatic_payout_effective_at_utc,automatic_payout_effective_at,customer_id,customer_email,customer_name,customer_description,charge_id,payment_intent_id,charge_created_utc,charge_created,invoice_id,subscription_id,payment_method_type,is_link,card_brand,card_funding,card_country,statement_descriptor,dispute_reason,connected_account_id,connected_account_name,connected_account_country,connected_account_direct_charge_id,payment_metadata[reference],refund_metadata[reference]",
      'txn_1Q,2026-03-14 10:00:00,2026-03-14 11:00:00,2026-03-16 00:00:00,2026-03-16 01:00:00,jpy,5000,175,4825,charge,ch_1Q,"Order ""42"", two books",5000,jpy,,,,cus_1,,,,ch_1Q,pi_1Q,2026-03-14 10:00:00,2026-03-14 11:00:00,,,card,false,visa,credit,JP,"PAYCORE, TOKYO",,,,,,pay_01KBBBBBBBBBBBBBBBBBBBBBBB,',
      'txn_2Q,2026-03-14 12:00:00,2026-03-14 13:00:00,2026-03-16 00:00:00,2026-03-16 01:00:00,jpy,-1000,0,-1000,refund,re_1Q,"Refund, with a\nline break",1000,jpy,,,,cus_1,,,,ch_1Q,pi_1Q,2026-03-14 10:00:00,2026-03-14 11:00:00,,,card,false,visa,credit,JP,,,,,,,pay_01KBBBBBBBBBBBBBBBBBBBBBBB,re_ref',
    ]);
    const lines = await readReport("stripe", text);
    expect(
      lines.map((line) => [
        line.lineNumber,
        line.type,
        line.currency,
        line.grossMinor,
        line.feeMinor,
        line.netMinor,
      ]),
    ).toEqual([
      [2, "CAPTURE", "JPY", 5000n, 175n, 4825n],
      // The quoted line break makes the refund's record span lines 3 and 4: it is reported at the line it ends on.
      [4, "REFUND", "JPY", -1000n, 0n, -1000n],
    ]);
    expect(lines[0]).toMatchObject({
      lineKey: "txn_1Q",
      batch: "2026-03-16",
      pspReference: "pi_1Q",
      modificationReference: "ch_1Q",
      merchantReference: "pay_01KBBBBBBBBBBBBBBBBBBBBBBB",
    });
    expect(lines[0]?.bookedAt.toISOString()).toBe("2026-03-14T10:00:00.000Z");
    expect(lines[1]?.merchantReference).toBe("pay_01KBBBBBBBBBBBBBBBBBBBBBBB");
  });
});
