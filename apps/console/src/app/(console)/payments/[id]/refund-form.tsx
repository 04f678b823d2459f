"use client";
import { exponentOf } from "@paycore/core/money/currency";
// Full or partial refund. The idempotency key is made when the form renders, so a double click (or a retry
// after a lost response) makes one refund; a new key is made only after a refund went through.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { decimalToMinor, formatAmount } from "../../../../lib/money";
import { errorMessage, useTRPC } from "../../../../trpc/client";

export function RefundForm(props: {
  paymentId: string;
  currency: string;
  refundableMinor: string;
  refundableText: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [kind, setKind] = useState<"full" | "partial">("full");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const refund = useMutation(
    trpc.payments.refund.mutationOptions({
      onSuccess: (result) => {
        if (result.errors.length === 0) {
          setIdempotencyKey(crypto.randomUUID());
          setAmount("");
          setReason("");
        }
        router.refresh();
      },
    }),
  );
  const exponent = exponentOf(props.currency) ?? 2;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (kind === "partial") {
      const minor = decimalToMinor(amount, props.currency);
      if (minor === null || minor === 0n) {
        setLocalError(`Enter an amount in ${props.currency} with at most ${exponent} decimals.`);
        return;
      }
      if (minor > BigInt(props.refundableMinor)) {
        setLocalError(`At most ${props.refundableText} can be refunded.`);
        return;
      }
    }
    refund.mutate({
      paymentId: props.paymentId,
      amount: kind === "partial" ? amount : null,
      reason,
      idempotencyKey,
    });
  };

  const result = refund.data;
  return (
    <form className="stack" onSubmit={submit} aria-label="Refund this payment">
      <p>
        Refundable now: <strong data-testid="refundable">{props.refundableText}</strong>
      </p>
      <fieldset className="row">
        <legend className="muted">How much</legend>
        <label>
          <input type="radio" name="kind" checked={kind === "full"} onChange={() => setKind("full")} /> Full
          remaining amount
        </label>
        <label>
          <input type="radio" name="kind" checked={kind === "partial"} onChange={() => setKind("partial")} />{" "}
          Partial
        </label>
      </fieldset>
      {kind === "partial" ? (
        <label className="field">
          Amount ({props.currency})
          <input
            name="amount"
            inputMode="decimal"
            required
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
            placeholder={(0).toFixed(exponent)}
          />
        </label>
      ) : null}
      <label className="field">
        Reason
        <textarea
          name="reason"
          required
          maxLength={500}
          rows={2}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      {localError ? (
        <p className="error" role="alert">
          {localError}
        </p>
      ) : null}
      {refund.isError ? (
        <p className="error" role="alert">
          {errorMessage(refund.error)}
        </p>
      ) : null}
      {result && result.errors.length > 0 ? (
        <p className="error" role="alert">
          {result.errors.map((error) => `${error.message} (${error.code})`).join(" ")}
        </p>
      ) : null}
      {result && result.errors.length === 0 ? (
        <p className="notice" role="status">
          Refund {result.refund.id} of {formatAmount(result.refund.amountMinor, result.refund.currency)}:{" "}
          {result.refund.status.toLowerCase()}.
        </p>
      ) : null}
      <div>
        <button type="submit" disabled={refund.isPending}>
          {refund.isPending ? "Refunding…" : "Refund"}
        </button>
      </div>
    </form>
  );
}
