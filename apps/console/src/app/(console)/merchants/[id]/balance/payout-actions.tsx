"use client";
// Operators' payout actions: pause or resume a merchant's payouts (with a reason), retry a failed payout. Each is
// a core command audited in the same transaction.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage, useTRPC } from "../../../../../trpc/client";

export function PausePayoutsForm({
  merchantId,
  mode,
  paused,
}: {
  merchantId: string;
  mode: "TEST" | "LIVE";
  paused: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const change = useMutation(trpc.payouts.setPaused.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    // Laid out like the page's other forms: the label above a full-size field, the error in the console's alert style
    // (it was a bare label running into a 16-character box, and a black error line).
    <form
      className="filters"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate({
          merchantId,
          mode,
          paused: !paused,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        });
      }}
    >
      {paused ? null : (
        <label className="field">
          Reason
          <input
            value={reason}
            maxLength={500}
            size={40}
            onChange={(event) => setReason(event.target.value)}
          />
        </label>
      )}
      <button type="submit" disabled={change.isPending}>
        {paused ? "Resume payouts" : "Pause payouts"}
      </button>
      {change.error ? (
        <p className="error" role="alert">
          {errorMessage(change.error)}
        </p>
      ) : null}
    </form>
  );
}

export function RetryPayoutButton({
  merchantId,
  mode,
  payoutId,
}: {
  merchantId: string;
  mode: "TEST" | "LIVE";
  payoutId: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const retry = useMutation(trpc.payouts.retry.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span>
      <button
        type="button"
        className="secondary"
        aria-label={`Retry ${payoutId}`}
        disabled={retry.isPending || retry.isSuccess}
        onClick={() => retry.mutate({ merchantId, mode, payoutId })}
      >
        Retry
      </button>
      {retry.isSuccess ? <span className="muted"> retried</span> : null}
      {retry.error ? (
        <span className="error" role="alert">
          {errorMessage(retry.error)}
        </span>
      ) : null}
    </span>
  );
}
