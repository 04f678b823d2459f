"use client";
// Approve or reject a waiting request with a note. The server refuses the requester's own decision (four eyes)
// and a request someone decided first; the page re-renders after a decision.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

export function ApprovalActions({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const noteId = useId();
  const [note, setNote] = useState("");
  const [missing, setMissing] = useState(false);
  const decide = useMutation(
    trpc.reconciliation.decideApproval.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const run = (decision: "approve" | "reject") => {
    if (note.trim() === "") {
      setMissing(true);
      return;
    }
    setMissing(false);
    decide.mutate({ id, decision, note });
  };
  return (
    <fieldset className="stack" aria-label={`Decide ${id}`}>
      <label className="field" htmlFor={noteId}>
        Note (required)
      </label>
      <textarea
        id={noteId}
        rows={2}
        maxLength={500}
        value={note}
        onChange={(event) => setNote(event.target.value)}
        aria-invalid={missing}
      />
      {missing ? (
        <p className="error" role="alert">
          Write a note for the audit trail.
        </p>
      ) : null}
      {decide.error ? (
        <p className="error" role="alert">
          {errorMessage(decide.error)}
        </p>
      ) : null}
      {decide.data ? (
        <p className="notice" role="status">
          {decide.data.status === "APPROVED" ? "Approved: the adjustment is posted." : "Rejected."}
        </p>
      ) : null}
      <div className="row">
        <button
          type="button"
          disabled={decide.isPending || decide.data !== undefined}
          onClick={() => run("approve")}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={decide.isPending || decide.data !== undefined}
          onClick={() => run("reject")}
        >
          Reject
        </button>
      </div>
    </fieldset>
  );
}
