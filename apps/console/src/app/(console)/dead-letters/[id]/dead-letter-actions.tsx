"use client";
// Replay a dead letter (its notifications go through the core again; it closes only when nothing still fails), or
// dismiss it with a note.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

export function DeadLetterActions({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [note, setNote] = useState("");
  const refresh = { onSuccess: () => router.refresh() };
  const replay = useMutation(trpc.deadLetters.replay.mutationOptions(refresh));
  const dismiss = useMutation(trpc.deadLetters.dismiss.mutationOptions(refresh));
  const submitDismiss = (event: FormEvent) => {
    event.preventDefault();
    dismiss.mutate({ id, note });
  };
  const result = replay.data;
  const failed = replay.error ?? dismiss.error;
  return (
    <div className="stack">
      <div>
        <button type="button" disabled={replay.isPending} onClick={() => replay.mutate({ id })}>
          {replay.isPending ? "Replaying…" : "Replay"}
        </button>
      </div>
      {result ? (
        <p className={result.closed ? "notice" : "error"} role="status" data-testid="replay-result">
          {result.closed
            ? `Replayed: ${result.applied} applied, ${result.skipped} already applied.`
            : `Still failing (${result.stillFailing.join(", ")}): fix the cause and replay again.`}
        </p>
      ) : null}
      <form className="stack" onSubmit={submitDismiss} aria-label="Dismiss this dead letter">
        <label className="field">
          Why it needs no replay
          <textarea
            name="note"
            required
            maxLength={500}
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        <div>
          <button type="submit" className="secondary" disabled={dismiss.isPending}>
            Dismiss
          </button>
        </div>
      </form>
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
    </div>
  );
}
