"use client";
// Approve or reject a held payment with a note. One idempotency key per rendering: a double click decides once.
// In the queue, a decision is not followed by a refresh: the row keeps the operator's confirmation until the
// page is next loaded, when it shows what the PSP has yet to confirm (`waitingFor`) or has left the queue. (A
// refresh raced the PSP's webhook: a payment settled meanwhile left the queue with its confirmation.)
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { AuditNoteField } from "../audit-note-field";

export function ReviewActions({
  paymentId,
  waitingFor = null,
  refreshWhenDecided = false,
}: {
  paymentId: string;
  /** The decision the PSP has yet to confirm, if one was taken (the queue knows it). */
  waitingFor?: "approval" | "rejection" | null;
  /** Re-render the page after a decision (the payment's own page, whose heading shows the new status). */
  refreshWhenDecided?: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [note, setNote] = useState("");
  const [missingNote, setMissingNote] = useState(false);
  const options = { onSuccess: () => (refreshWhenDecided ? router.refresh() : undefined) };
  const approve = useMutation(trpc.reviews.approve.mutationOptions(options));
  const reject = useMutation(trpc.reviews.reject.mutationOptions(options));
  const pending = approve.isPending || reject.isPending;
  const failed = approve.error ?? reject.error;
  const result = approve.data ?? reject.data;

  const decide = (which: "approve" | "reject") => {
    if (note.trim() === "") {
      setMissingNote(true);
      return;
    }
    setMissingNote(false);
    // Approve and reject must not share a key: the core would refuse the second as a reused key.
    const input = { paymentId, note, idempotencyKey: `${idempotencyKey}-${which}` };
    if (which === "approve") approve.mutate(input);
    else reject.mutate(input);
  };

  const status = result ? (
    <p className={result.errors.length > 0 ? "error" : "notice"} role="status">
      {result.errors.length > 0
        ? result.errors.map((error) => `${error.message} (${error.code})`).join(" ")
        : `Now ${result.payment.status.toLowerCase().replace(/_/g, " ")}.`}
    </p>
  ) : null;

  if (waitingFor !== null) {
    return (
      <div className="stack">
        {status}
        <p className="muted" data-testid="decision-pending">
          Decided: {waitingFor} waiting for the PSP.
        </p>
      </div>
    );
  }

  return (
    <fieldset className="stack" aria-label={`Review ${paymentId}`}>
      <AuditNoteField
        label="Note (required)"
        value={note}
        onChange={setNote}
        maxLength={1000}
        missing={missingNote ? "Write a note for the audit trail." : null}
      />
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
      {status}
      <div className="row">
        <button type="button" onClick={() => decide("approve")} disabled={pending || result !== undefined}>
          Approve
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => decide("reject")}
          disabled={pending || result !== undefined}
        >
          Reject
        </button>
      </div>
    </fieldset>
  );
}
