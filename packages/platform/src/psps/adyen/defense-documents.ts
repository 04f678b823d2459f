// Adyen files each defence document under a type code (`defenseDocumentTypeCode`), and a defence under a reason
// (`defenseReasonCode`) whose applicable document types Adyen lists per dispute (`retrieveApplicableDefenseReasons`:
// each reason with its `defenseDocumentTypes`, each Required, OneOrMore or Optional). Our evidence files carry a
// kind (the core's EVIDENCE_FILE_KINDS); this maps each kind to the type codes that hold it, and picks the reason and
// the documents' types from what Adyen says applies to this dispute. Only codes seen in Adyen's Disputes API
// documentation and its API library's examples are used: TIDorInvoice (the transaction receipt or invoice),
// GoodsWereAsDescribed, GoodsNotReturned, GoodsRepairedOrReplaced, and DefenseMaterial (generic material, the
// type of the SupplyDefenseMaterial reason). A kind no specific code fits, the texts' PDF, and every document when
// Adyen names no reason, go as DefenseMaterial.
import type { EvidenceFileKind } from "@paycore/core/disputes/dispute-evidence";

export const GENERIC_DOCUMENT_TYPE = "DefenseMaterial";
export const GENERIC_DEFENSE_REASON = "SupplyDefenseMaterial";

/** The type codes that may hold a document of each kind, best first (none: DefenseMaterial). */
export const DOCUMENT_TYPES_OF_KIND: Readonly<Record<EvidenceFileKind, readonly string[]>> = {
  RECEIPT: ["TIDorInvoice"],
  DUPLICATE_CHARGE_DOCUMENTATION: ["TIDorInvoice"],
  SERVICE_DOCUMENTATION: ["GoodsWereAsDescribed"],
  SHIPPING_DOCUMENTATION: [],
  CUSTOMER_COMMUNICATION: [],
  CUSTOMER_SIGNATURE: [],
  REFUND_POLICY: [],
  CANCELLATION_POLICY: [],
  UNCATEGORIZED: [],
};

/** One applicable reason as Adyen lists it (the fields we read). */
export interface ApplicableDefenseReason {
  defenseReasonCode: string;
  defenseDocumentTypes?: ReadonlyArray<{ defenseDocumentTypeCode: string; requirementLevel?: string }>;
}

/** The reason to defend with and each document's type code, in the order of the documents. */
export interface DefensePlan {
  defenseReasonCode: string;
  documentTypes: string[];
}

/**
 * The plan for documents of these kinds (null: a document with no kind, such as the texts' PDF). A reason is
 * usable when every document gets a type it lists: its kind's code when listed, else DefenseMaterial when listed.
 * Among usable reasons: one whose Required types are all supplied first, then the most documents under a specific
 * code, then the generic reason. When none is usable (or Adyen named none), every document goes as
 * DefenseMaterial under SupplyDefenseMaterial, as before kinds were mapped.
 */
export function planDefense(
  kinds: ReadonlyArray<EvidenceFileKind | null>,
  applicable: readonly ApplicableDefenseReason[],
): DefensePlan {
  let best: { plan: DefensePlan; score: [number, number, number] } | null = null;
  for (const reason of applicable.slice(0, 50)) {
    const listed = (reason.defenseDocumentTypes ?? []).map((type) => type.defenseDocumentTypeCode);
    const documentTypes: string[] = [];
    let specific = 0;
    for (const kind of kinds) {
      const own =
        kind === null ? undefined : DOCUMENT_TYPES_OF_KIND[kind].find((code) => listed.includes(code));
      if (own !== undefined) specific++;
      const type = own ?? (listed.includes(GENERIC_DOCUMENT_TYPE) ? GENERIC_DOCUMENT_TYPE : undefined);
      if (type === undefined) break;
      documentTypes.push(type);
    }
    if (documentTypes.length !== kinds.length) continue;
    const required = (reason.defenseDocumentTypes ?? [])
      .filter((type) => type.requirementLevel === "Required")
      .map((type) => type.defenseDocumentTypeCode);
    const satisfied = required.every((code) => documentTypes.includes(code)) ? 1 : 0;
    const generic = reason.defenseReasonCode === GENERIC_DEFENSE_REASON ? 1 : 0;
    const score: [number, number, number] = [satisfied, specific, generic];
    if (best === null || compare(score, best.score) > 0) {
      best = { plan: { defenseReasonCode: reason.defenseReasonCode, documentTypes }, score };
    }
  }
  return (
    best?.plan ?? {
      defenseReasonCode: GENERIC_DEFENSE_REASON,
      documentTypes: kinds.map(() => GENERIC_DOCUMENT_TYPE),
    }
  );
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
