// Operators' actions on reconciliation items, the one write path the console and CLI share: resolve or ignore
// with a reason, reopen, and accept the PSP's figure for an amount mismatch, which posts an adjustment through
// the ledger. An adjustment above the configured amount needs a second operator (four eyes): it becomes an
// approval request, applied when another operator approves it.
import type { ApprovalCommands } from "../approvals/approval-commands";
import { validReason } from "../approvals/approval-commands";
import { DomainError } from "../errors/domain-error";
import { parseId } from "../ids/ids";
import type { Actor } from "../ports/audit";
import type { ReconItemRecord, ReconItemStore } from "../ports/recon-item-store";
import type { ReconItemStatus } from "../ports/reconciliation-store";
import { canTransitionReconItem } from "./recon-item-state-machine";

export const ACCEPT_PSP_FIGURE = "recon.accept_psp_figure";

export type AcceptOutcome = { applied: true } | { applied: false; approvalRequestId: string };

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

export class ReconItemCommands {
  constructor(
    private readonly deps: {
      store: ReconItemStore;
      approvals: ApprovalCommands;
      /** Adjustments whose absolute amount is above this (minor units, any currency) need a second operator. */
      fourEyesAboveMinor: bigint;
    },
  ) {}

  private async item(id: string): Promise<ReconItemRecord> {
    const item = await this.deps.store.findItem(id);
    if (item === null)
      throw new DomainError("RECON_ITEM_NOT_FOUND", "No such reconciliation item.", { field: ["id"] });
    return item;
  }

  resolve(actor: Actor, id: string, reason: string): Promise<void> {
    return this.move(actor, id, "RESOLVED", reason, "recon_item.resolved");
  }

  ignore(actor: Actor, id: string, reason: string): Promise<void> {
    return this.move(actor, id, "IGNORED", reason, "recon_item.ignored");
  }

  reopen(actor: Actor, id: string, reason: string): Promise<void> {
    return this.move(actor, id, "OPEN", reason, "recon_item.reopened");
  }

  private async move(actor: Actor, id: string, to: ReconItemStatus, rawReason: string, action: string) {
    const reason = validReason(rawReason);
    const item = await this.item(id);
    if (!canTransitionReconItem(item.status, to))
      throw new DomainError(
        "RECON_ITEM_STATE_INVALID",
        `A ${item.status.toLowerCase()} item cannot become ${to.toLowerCase()}.`,
      );
    const moved = await this.deps.store.transition(id, item.status, to, reason, {
      actor,
      action,
      targetId: id,
      before: { status: item.status, category: item.category },
      after: { status: to, category: item.category, reason },
    });
    if (!moved) throw new DomainError("RECON_ITEM_STATE_INVALID", "The item changed meanwhile: reload it.");
  }

  /**
   * Links an open item to one of our payments (a PSP line we could not match by reference, say): the item names
   * the payment, its merchant and mode from then on, and stays open until it is resolved. Audited with the reason.
   */
  async linkPayment(actor: Actor, id: string, rawPaymentId: string, rawReason: string): Promise<void> {
    const reason = validReason(rawReason);
    const item = await this.item(id);
    if (item.status !== "OPEN" || item.paymentId !== null)
      throw new DomainError(
        "RECON_ITEM_STATE_INVALID",
        item.status !== "OPEN"
          ? "Only an open item can be linked to a payment."
          : "The item already names a payment.",
      );
    const paymentId = parseId("payment", rawPaymentId.trim());
    const payment = paymentId === null ? null : await this.deps.store.findPaymentScope(paymentId);
    if (paymentId === null || payment === null)
      throw new DomainError("PAYMENT_NOT_FOUND", "No payment with this id.", { field: ["paymentId"] });
    if (payment.currency !== item.currency)
      throw new DomainError(
        "INVALID_INPUT",
        `The payment is in ${payment.currency}, the item in ${item.currency}.`,
        { field: ["paymentId"] },
      );
    const linked = await this.deps.store.linkPayment(id, paymentId, payment, reason, {
      actor,
      action: "recon_item.payment_linked",
      targetId: id,
      before: { status: item.status, paymentId: null },
      after: { status: item.status, paymentId, reason },
    });
    if (!linked) throw new DomainError("RECON_ITEM_STATE_INVALID", "The item changed meanwhile: reload it.");
  }

  /** Accepts the PSP's gross for an open AMOUNT_MISMATCH: at once, or through a second operator above the limit. */
  async acceptPspFigure(actor: Actor, id: string, rawReason: string): Promise<AcceptOutcome> {
    const reason = validReason(rawReason);
    const item = await this.item(id);
    if (item.status !== "OPEN" || item.category !== "AMOUNT_MISMATCH" || item.expectedAmountMinor === null)
      throw new DomainError(
        "RECON_ITEM_STATE_INVALID",
        "Only an open amount mismatch has a PSP figure to accept.",
      );
    const amountMinor = absolute(item.differenceMinor);
    if (amountMinor > this.deps.fourEyesAboveMinor) {
      const request = await this.deps.approvals.request(actor, {
        kind: ACCEPT_PSP_FIGURE,
        targetId: id,
        payload: { itemId: id, differenceMinor: item.differenceMinor.toString() },
        amountMinor,
        currency: item.currency,
        reason,
      });
      return { applied: false, approvalRequestId: request.id };
    }
    const accepted = await this.deps.store.acceptPspFigure(id, reason, {
      actor,
      action: "recon_item.psp_figure_accepted",
      targetId: id,
      before: { status: item.status, differenceMinor: item.differenceMinor.toString() },
      after: { status: "RESOLVED", reason },
    });
    if (!accepted)
      throw new DomainError("RECON_ITEM_STATE_INVALID", "The item changed meanwhile: reload it.");
    return { applied: true };
  }
}
