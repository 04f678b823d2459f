"use client";
import { exponentOf, parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits } from "@paycore/core/money/money";
// A refund of the amount the operator types (nothing defaults to the full amount; a button fills in what is
// left), then a confirmation step stating what will be refunded; only the confirmation calls the server. The
// idempotency key is made when the form renders, so a double click (or a retry after a lost response) makes one
// refund; a new key is made only after a refund went through.
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
  const [amount, setAmount] = useState("");
  const [confirming, setConfirming] = useState<bigint | null>(null);
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const refund = useMutation(
    trpc.payments.refund.mutationOptions({
      onSuccess: (result) => {
        setConfirming(null);
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

  const refundable = BigInt(props.refundableMinor);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    const minor = decimalToMinor(amount, props.currency);
    if (minor === null || minor === 0n) {
      setLocalError(`Enter an amount in ${props.currency} with at most ${exponent} decimals.`);
      return;
    }
    if (minor > refundable) {
      setLocalError(`At most ${props.refundableText} can be refunded.`);
      return;
    }
    setConfirming(minor);
  };
  const confirm = () => {
    if (confirming === null) return;
    refund.mutate({ paymentId: props.paymentId, amount: amountText(confirming), reason, idempotencyKey });
  };
  const amountText = (minor: bigint) => {
    const code = parseCurrency(props.currency);
    return code === null ? minor.toString() : formatMinorUnits(minor, code);
  };

  const result = refund.data;
  return (
    <form className="stack" onSubmit={submit} aria-label="Refund this payment">
      <p>
        Refundable now: <strong data-testid="refundable">{props.refundableText}</strong>
      </p>
      <label className="field">
        Amount to refund ({props.currency})
        <input
          name="amount"
          inputMode="decimal"
          required
          value={amount}
          readOnly={confirming !== null}
          onChange={(event) => setAmount(event.target.value)}
          placeholder={(0).toFixed(exponent)}
        />
      </label>
      <div>
        <button
          type="button"
          className="secondary"
          disabled={confirming !== null}
          onClick={() => setAmount(amountText(refundable))}
        >
          Use the remaining {props.refundableText}
        </button>
      </div>
      <label className="field">
        Reason
        <textarea
          name="reason"
          required
          maxLength={500}
          rows={2}
          value={reason}
          readOnly={confirming !== null}
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
      {confirming === null ? (
        <div>
          <button type="submit">Review refund</button>
        </div>
      ) : (
        <div className="card attention-on" role="alertdialog" aria-labelledby="confirm-refund-heading">
          <h3 id="confirm-refund-heading">Confirm the refund</h3>
          <p data-testid="confirm-refund-text">
            Refund {formatAmount(confirming, props.currency)} of the {props.refundableText} still refundable,
            to the customer's card. This cannot be undone.
          </p>
          <div className="row">
            <button type="button" disabled={refund.isPending} onClick={confirm}>
              {refund.isPending ? "Refunding…" : "Confirm refund"}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={refund.isPending}
              onClick={() => setConfirming(null)}
            >
              Back
            </button>
          </div>
        </div>
      )}
    </form>
  );
}
