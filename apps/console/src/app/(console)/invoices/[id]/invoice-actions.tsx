"use client";
// Void, or mark uncollectible, after a confirmation step. The idempotency key is made when the buttons render,
// so a double click or a retried request makes one change.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

type Action = "VOID" | "MARK_UNCOLLECTIBLE";

const LABELS: Record<Action, { button: string; confirm: string }> = {
  VOID: { button: "Void invoice", confirm: "Void this invoice? It can no longer be paid." },
  MARK_UNCOLLECTIBLE: {
    button: "Mark uncollectible",
    confirm: "Write this invoice off as uncollectible? A late payment still settles it.",
  },
};

export function InvoiceActions(props: { invoiceId: string; canVoid: boolean; canWriteOff: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [pending, setPending] = useState<Action | null>(null);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const action = useMutation(
    trpc.invoices.action.mutationOptions({
      onSuccess: () => {
        setPending(null);
        router.refresh();
      },
    }),
  );
  const actions: Action[] = [
    ...(props.canVoid ? (["VOID"] as const) : []),
    ...(props.canWriteOff ? (["MARK_UNCOLLECTIBLE"] as const) : []),
  ];
  return (
    <div className="stack">
      {pending === null ? (
        <div className="row">
          {actions.map((value) => (
            <button key={value} type="button" className="secondary" onClick={() => setPending(value)}>
              {LABELS[value].button}
            </button>
          ))}
        </div>
      ) : (
        <div role="alertdialog" aria-labelledby="confirm-text" className="stack">
          <p id="confirm-text">{LABELS[pending].confirm}</p>
          <div className="row">
            <button
              type="button"
              disabled={action.isPending}
              onClick={() =>
                action.mutate({
                  id: props.invoiceId,
                  action: pending,
                  confirm: true,
                  idempotencyKey: `${pending.toLowerCase()}-${idempotencyKey}`,
                })
              }
            >
              Confirm
            </button>
            <button type="button" className="secondary" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {action.isError ? (
        <p className="error" role="alert">
          {errorMessage(action.error)}
        </p>
      ) : null}
    </div>
  );
}
