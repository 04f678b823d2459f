"use client";
// Approve or reject a waiting request with a note. The server refuses the requester's own decision (four eyes)
// and a request someone decided first; the page re-renders after a decision.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";
import { AuditNoteField } from "../../audit-note-field";

export function ApprovalActions({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
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
      <AuditNoteField
        label="Note (required)"
        value={note}
        onChange={setNote}
        maxLength={500}
        missing={missing ? "Write a note for the audit trail." : null}
      />
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
