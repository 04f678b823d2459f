// Goal: each evidence file's kind picks Adyen's document type code from the types Adyen lists for the dispute's
// applicable defence reasons, the reason chosen is one every document fits (its Required types supplied first),
// and DefenseMaterial under SupplyDefenseMaterial remains the fallback when nothing more specific applies.
import { describe, expect, it } from "vitest";
import { type ApplicableDefenseReason, planDefense } from "./defense-documents";

// Adyen's example answer to retrieveApplicableDefenseReasons (its API library's and docs' example).
const invoiceOptional = { defenseDocumentTypeCode: "TIDorInvoice", requirementLevel: "Optional" };
const GENERIC: ApplicableDefenseReason = {
  defenseReasonCode: "SupplyDefenseMaterial",
  defenseDocumentTypes: [
    invoiceOptional,
    { defenseDocumentTypeCode: "DefenseMaterial", requirementLevel: "Required" },
  ],
};
const AS_DESCRIBED: ApplicableDefenseReason = {
  defenseReasonCode: "GoodsWereAsDescribed",
  defenseDocumentTypes: [
    { defenseDocumentTypeCode: "GoodsWereAsDescribed", requirementLevel: "Required" },
    { defenseDocumentTypeCode: "TIDorInvoice", requirementLevel: "Required" },
  ],
};

describe("planDefense", () => {
  it.each([
    {
      what: "a receipt goes as TIDorInvoice, the rest and the texts' PDF as DefenseMaterial",
      kinds: ["RECEIPT", "SHIPPING_DOCUMENTATION", null],
      reasons: [GENERIC],
      plan: {
        defenseReasonCode: "SupplyDefenseMaterial",
        documentTypes: ["TIDorInvoice", "DefenseMaterial", "DefenseMaterial"],
      },
    },
    {
      what: "a specific reason every document fits, its Required types supplied, is chosen",
      kinds: ["SERVICE_DOCUMENTATION", "RECEIPT"],
      reasons: [GENERIC, AS_DESCRIBED],
      plan: {
        defenseReasonCode: "GoodsWereAsDescribed",
        documentTypes: ["GoodsWereAsDescribed", "TIDorInvoice"],
      },
    },
    {
      what: "a specific reason a document does not fit (the texts' PDF) is not usable: the generic one",
      kinds: ["SERVICE_DOCUMENTATION", "RECEIPT", null],
      reasons: [AS_DESCRIBED, GENERIC],
      plan: {
        defenseReasonCode: "SupplyDefenseMaterial",
        documentTypes: ["DefenseMaterial", "TIDorInvoice", "DefenseMaterial"],
      },
    },
    {
      what: "no applicable reason named: DefenseMaterial for all, as before kinds were mapped",
      kinds: ["RECEIPT", null],
      reasons: [],
      plan: {
        defenseReasonCode: "SupplyDefenseMaterial",
        documentTypes: ["DefenseMaterial", "DefenseMaterial"],
      },
    },
  ] as const)("$what", ({ kinds, reasons, plan }) => {
    expect(planDefense(kinds, reasons)).toEqual(plan);
  });
});
