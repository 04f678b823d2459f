// The defence reasons the Adyen-style sandbox lists for a dispute (retrieveApplicableDefenseReasons), by the
// dispute's reason, shaped as Adyen's Disputes API answers them (the reasons and document type codes of Adyen's
// own example answer). Every dispute may be defended with generic material (SupplyDefenseMaterial); a dispute
// about goods not as described, or a credit not processed, also has its specific reasons. supplyDefenseDocument
// takes only a type code one of these reasons lists, as Adyen refuses a document type that does not apply.

interface DocumentType {
  defenseDocumentTypeCode: string;
  requirementLevel: "Required" | "OneOrMore" | "Optional";
}

interface DefenseReason {
  defenseReasonCode: string;
  defenseDocumentTypes: DocumentType[];
}

const optionalInvoice: DocumentType = {
  defenseDocumentTypeCode: "TIDorInvoice",
  requirementLevel: "Optional",
};

const GENERIC: DefenseReason = {
  defenseReasonCode: "SupplyDefenseMaterial",
  defenseDocumentTypes: [
    optionalInvoice,
    { defenseDocumentTypeCode: "DefenseMaterial", requirementLevel: "Required" },
  ],
};

/** Specific reasons by the dispute's reason (Stripe's names, as the sandbox's disputes carry them). */
const SPECIFIC: Readonly<Record<string, DefenseReason[]>> = {
  product_unacceptable: [
    {
      defenseReasonCode: "GoodsWereAsDescribed",
      defenseDocumentTypes: [
        { defenseDocumentTypeCode: "GoodsWereAsDescribed", requirementLevel: "Required" },
        { defenseDocumentTypeCode: "TIDorInvoice", requirementLevel: "Required" },
      ],
    },
    {
      defenseReasonCode: "GoodsRepairedOrReplaced",
      defenseDocumentTypes: [
        optionalInvoice,
        { defenseDocumentTypeCode: "GoodsRepairedOrReplaced", requirementLevel: "Required" },
      ],
    },
  ],
  credit_not_processed: [
    {
      defenseReasonCode: "GoodsNotReturned",
      defenseDocumentTypes: [
        optionalInvoice,
        { defenseDocumentTypeCode: "GoodsNotReturned", requirementLevel: "Required" },
      ],
    },
  ],
};

/** The reasons that apply to a dispute with this reason, each with its document types (fresh objects). */
export function applicableDefenseReasons(disputeReason: string): DefenseReason[] {
  const reasons = [...(SPECIFIC[disputeReason] ?? []), GENERIC];
  return reasons.map((reason) => ({
    defenseReasonCode: reason.defenseReasonCode,
    defenseDocumentTypes: reason.defenseDocumentTypes.map((type) => ({ ...type, available: false })),
  }));
}

/** True when one of the reasons that apply to the dispute lists this document type code. */
export function documentTypeApplies(disputeReason: string, code: string): boolean {
  return applicableDefenseReasons(disputeReason).some((reason) =>
    reason.defenseDocumentTypes.some((type) => type.defenseDocumentTypeCode === code),
  );
}
