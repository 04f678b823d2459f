"use client";
// An operator's decision on a sanctions hit, with a note, after a confirmation step.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";
import { ConfirmDialog } from "../../confirm-dialog";

type Decision = "FALSE_POSITIVE" | "CONFIRMED";

const CONSEQUENCE: Record<Decision, string> = {
  FALSE_POSITIVE: "Not the listed party: the hit closes and no longer blocks payouts.",
  CONFIRMED:
    "The listed party: the merchant is frozen (no live payments, no payouts). This cannot be undone here.",
};

export function HitDecisionForm({ hitId }: { hitId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState<Decision | null>(null);
  const decide = useMutation(
    trpc.sanctions.decide.mutationOptions({
      onSuccess: () => {
        setConfirming(null);
        router.refresh();
      },
    }),
  );
  return (
    <form className="stack" aria-label="Decide the hit" onSubmit={(event) => event.preventDefault()}>
      <label className="field">
        Note (why; kept in the audit log)
        <textarea rows={2} maxLength={2000} value={note} onChange={(event) => setNote(event.target.value)} />
      </label>
      {confirming === null ? (
        <div className="row">
          <button
            type="button"
            disabled={note.trim().length === 0}
            onClick={() => setConfirming("FALSE_POSITIVE")}
          >
            False positive
          </button>
          <button
            type="button"
            className="danger"
            disabled={note.trim().length === 0}
            onClick={() => setConfirming("CONFIRMED")}
          >
            Confirm match
          </button>
        </div>
      ) : (
        <ConfirmDialog
          label="Confirm the decision"
          confirmLabel={confirming === "CONFIRMED" ? "Confirm and freeze" : "Close as false positive"}
          pending={decide.isPending}
          onConfirm={() => decide.mutate({ hitId, decision: confirming, note })}
          onBack={() => setConfirming(null)}
        >
          {CONSEQUENCE[confirming]}
        </ConfirmDialog>
      )}
      {decide.isError ? (
        <p className="error" role="alert">
          {errorMessage(decide.error)}
        </p>
      ) : null}
    </form>
  );
}
