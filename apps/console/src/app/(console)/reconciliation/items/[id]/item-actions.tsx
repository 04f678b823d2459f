"use client";
// An item's actions, each with a reason for the audit trail: accept the PSP's figure (an open amount mismatch;
// above the four-eyes amount it waits for a second operator), link to a payment, resolve, ignore, reopen. The
// server checks the role and the item's state again; the page re-renders after each action.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type ReactNode, useId, useState } from "react";
import { errorMessage, useTRPC } from "../../../../../trpc/client";
import { AuditNoteField } from "../../../audit-note-field";

export function ItemActions({
  id,
  status,
  category,
  linked,
  awaitingApproval,
  fourEyesAbove,
}: {
  id: string;
  status: string;
  category: string;
  linked: boolean;
  awaitingApproval: boolean;
  fourEyesAbove: ReactNode;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const paymentFieldId = useId();
  const [reason, setReason] = useState("");
  const [paymentId, setPaymentId] = useState("");
  const [missing, setMissing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (message: string) => () => {
    setNotice(message);
    setReason("");
    router.refresh();
  };
  const act = useMutation(trpc.reconciliation.act.mutationOptions({ onSuccess: done("Done.") }));
  const link = useMutation(trpc.reconciliation.linkPayment.mutationOptions({ onSuccess: done("Linked.") }));
  const accept = useMutation(
    trpc.reconciliation.acceptPspFigure.mutationOptions({
      onSuccess: (result) => {
        done(
          result.applied
            ? "The PSP's figure is accepted: the adjustment is posted."
            : "Above the four-eyes amount: a second operator must approve the adjustment.",
        )();
      },
    }),
  );
  const pending = act.isPending || link.isPending || accept.isPending;
  const failed = act.error ?? link.error ?? accept.error;

  const withReason = (run: (reasonText: string) => void) => {
    if (reason.trim() === "") {
      setMissing("Write a reason for the audit trail.");
      return;
    }
    setMissing(null);
    setNotice(null);
    run(reason);
  };

  const open = status === "OPEN";
  return (
    <div className="stack" data-testid="item-actions">
      <AuditNoteField
        label="Reason (required)"
        value={reason}
        onChange={setReason}
        maxLength={500}
        missing={missing}
      />
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {open && category === "AMOUNT_MISMATCH" && !awaitingApproval ? (
        <p className="muted">Accepting a difference above {fourEyesAbove} needs a second operator.</p>
      ) : null}
      <div className="row">
        {open && category === "AMOUNT_MISMATCH" && !awaitingApproval ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => withReason((text) => accept.mutate({ id, reason: text }))}
          >
            Accept the PSP&apos;s figure
          </button>
        ) : null}
        {open ? (
          <>
            <button
              type="button"
              disabled={pending}
              onClick={() => withReason((text) => act.mutate({ id, action: "resolve", reason: text }))}
            >
              Mark resolved
            </button>
            <button
              type="button"
              className="danger"
              disabled={pending}
              onClick={() => withReason((text) => act.mutate({ id, action: "ignore", reason: text }))}
            >
              Ignore
            </button>
          </>
        ) : null}
        {status === "RESOLVED" || status === "IGNORED" ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => withReason((text) => act.mutate({ id, action: "reopen", reason: text }))}
          >
            Reopen
          </button>
        ) : null}
      </div>
      {open && !linked ? (
        <fieldset className="row" aria-label="Link to a payment">
          <label className="field" htmlFor={paymentFieldId}>
            Payment id
          </label>
          <input
            id={paymentFieldId}
            value={paymentId}
            onChange={(event) => setPaymentId(event.target.value)}
            placeholder="pay_…"
            size={30}
            maxLength={64}
          />
          <button
            type="button"
            className="secondary"
            disabled={pending || paymentId.trim() === ""}
            onClick={() => withReason((text) => link.mutate({ id, paymentId, reason: text }))}
          >
            Link to payment
          </button>
        </fieldset>
      ) : null}
    </div>
  );
}
