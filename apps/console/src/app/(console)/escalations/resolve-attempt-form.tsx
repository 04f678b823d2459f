"use client";
// Records what the PSP confirmed for one escalated attempt, after a confirmation step.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { ConfirmDialog } from "../confirm-dialog";

export function ResolveAttemptForm({ paymentId, attemptId }: { paymentId: string; attemptId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [outcome, setOutcome] = useState<"SUCCEEDED" | "FAILED">("SUCCEEDED");
  const [reference, setReference] = useState("");
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState(false);
  const resolve = useMutation(
    trpc.escalations.resolve.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        router.refresh();
      },
    }),
  );
  const review = (event: FormEvent) => {
    event.preventDefault();
    setConfirming(true);
  };
  return (
    <form className="stack" onSubmit={review} aria-label={`Record the PSP's outcome of ${attemptId}`}>
      <fieldset className="row">
        <legend className="muted">The PSP confirmed it</legend>
        <label>
          <input
            type="radio"
            name={`outcome-${attemptId}`}
            checked={outcome === "SUCCEEDED"}
            onChange={() => setOutcome("SUCCEEDED")}
          />{" "}
          succeeded
        </label>
        <label>
          <input
            type="radio"
            name={`outcome-${attemptId}`}
            checked={outcome === "FAILED"}
            onChange={() => setOutcome("FAILED")}
          />{" "}
          failed
        </label>
      </fieldset>
      <label className="field">
        PSP reference{outcome === "SUCCEEDED" ? "" : " (if any)"}
        <input
          name="pspReference"
          required={outcome === "SUCCEEDED"}
          maxLength={100}
          value={reference}
          onChange={(e) => setReference(e.target.value)}
        />
      </label>
      <label className="field">
        Who confirmed it (name, ticket)
        <input name="note" required maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      {confirming ? (
        <ConfirmDialog
          label="Confirm the outcome"
          confirmLabel="Confirm"
          pending={resolve.isPending}
          onConfirm={() =>
            resolve.mutate({ paymentId, attemptId, outcome, pspReference: reference || null, note })
          }
          onBack={() => setConfirming(false)}
        >
          Record that the PSP {outcome === "SUCCEEDED" ? "completed" : "did not complete"} this operation
          {reference ? ` (reference ${reference})` : ""}. The payment changes accordingly.
        </ConfirmDialog>
      ) : (
        <div>
          <button type="submit">Review</button>
        </div>
      )}
      {resolve.isError ? (
        <p className="error" role="alert">
          {errorMessage(resolve.error)}
        </p>
      ) : null}
      {resolve.data ? (
        <p className="notice" role="status">
          Recorded: the payment is now {resolve.data.payment.status.toLowerCase().replace(/_/g, " ")}.
        </p>
      ) : null}
    </form>
  );
}
