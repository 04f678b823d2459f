// `customer erase` (issue 22): a person's e-mail, receipt address and IP are erased from every row of one merchant
// that names the e-mail, while amounts, statuses and the ledger stay as they are. The person is found through the
// e-mail's blind index (the only way to find sealed data), and the store rewrites every table and writes the
// operator audit row in one transaction. Erasing twice is harmless: the second finds nothing.
import type { ApprovalCommands } from "../approvals/approval-commands";
import { parseEmailAddress } from "../documents/email-address";
import { DomainError, invariant } from "../errors/domain-error";
import { parseId } from "../ids/ids";
import { parseCurrency } from "../money/currency";
import { assertFreeText } from "../payments/free-text";
import type { ApprovalRequestRecord } from "../ports/approval-store";
import type { Actor } from "../ports/audit";
import type { CustomerErasureResult, CustomerErasureStore } from "../ports/customer-erasure-store";
import type { PiiVault } from "../vault/pii-vault";

import { CUSTOMER_ERASE_ACTION } from "./customer-erasure-action";

export { CUSTOMER_ERASE_ACTION };

export interface CustomerErasureInput {
  merchantId: string;
  email: string;
  /** Why (a ticket, the request's reference): kept in the audit row. At most 500 characters. */
  reason: string;
}

export const ERASURE_REASON_LENGTH_MAX = 500;

/** The merchant and the e-mail's blind index: what an erasure needs, and all a four-eyes request stores of it. */
export function erasureTarget(
  pii: Pick<PiiVault, "blindIndex">,
  input: Pick<CustomerErasureInput, "merchantId" | "email">,
): { merchantId: string; emailIndex: string } {
  const merchantId = parseId("merchant", input.merchantId.trim());
  if (merchantId === null)
    throw new DomainError("INVALID_INPUT", "merchant must be a merchant id (mer_…).", {
      field: ["merchant"],
    });
  const email = parseEmailAddress(input.email, ["email"]);
  if (email === null) throw new DomainError("INVALID_INPUT", "email is required.", { field: ["email"] });
  return { merchantId, emailIndex: pii.blindIndex("email", email) as string };
}

export class CustomerErasureCommands {
  constructor(private readonly deps: { store: CustomerErasureStore; pii: Pick<PiiVault, "blindIndex"> }) {}

  async erase(actor: Actor, input: CustomerErasureInput): Promise<CustomerErasureResult> {
    const target = erasureTarget(this.deps.pii, input);
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > ERASURE_REASON_LENGTH_MAX)
      throw new DomainError("INVALID_INPUT", `reason must be 1 to ${ERASURE_REASON_LENGTH_MAX} characters.`, {
        field: ["reason"],
      });
    assertFreeText(reason, { field: ["reason"] });
    // The audit row names the merchant and the reason, never the address (that is what is being erased).
    return this.deps.store.eraseCustomer(target.merchantId, target.emailIndex, {
      actor,
      action: CUSTOMER_ERASE_ACTION,
      targetId: target.merchantId,
      before: null,
      after: { reason },
    });
  }
}

/**
 * The console's erasure: four eyes. An admin's request becomes an approval request of kind `customer.erase` that
 * stores the merchant and the e-mail's blind index (never the address); when another operator approves it, the
 * store's applier erases in the approving transaction (packages/db approval-store.repository.ts).
 */
export async function requestCustomerErasure(
  approvals: Pick<ApprovalCommands, "request">,
  pii: Pick<PiiVault, "blindIndex">,
  actor: Actor,
  input: CustomerErasureInput,
): Promise<ApprovalRequestRecord> {
  const target = erasureTarget(pii, input);
  // An erasure moves no money: the request carries zero (approval requests name a currency; the console's list
  // shows the kind's own summary beside it).
  const noCurrency = parseCurrency("EUR");
  invariant(noCurrency !== null, "EUR is an ISO 4217 currency");
  return approvals.request(actor, {
    kind: CUSTOMER_ERASE_ACTION,
    targetId: target.merchantId,
    payload: { emailIndex: target.emailIndex },
    amountMinor: 0n,
    currency: noCurrency,
    reason: input.reason,
  });
}
