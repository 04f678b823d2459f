"use client";
// Replays one event to an endpoint (a new delivery, same event id and body); operators and admins only.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { errorMessage, useTRPC } from "../../../../../trpc/client";

export function ReplayButton({
  merchantId,
  endpointId,
  eventId,
}: {
  merchantId: string;
  endpointId: string;
  eventId: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const replay = useMutation(trpc.webhooks.replay.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span>
      <button
        type="button"
        className="secondary"
        aria-label={`Replay ${eventId}`}
        disabled={replay.isPending}
        onClick={() => replay.mutate({ merchantId, endpointId, eventId })}
      >
        Replay
      </button>
      {replay.isSuccess ? <span className="muted"> queued</span> : null}
      {replay.error ? <span role="alert"> {errorMessage(replay.error)}</span> : null}
    </span>
  );
}
