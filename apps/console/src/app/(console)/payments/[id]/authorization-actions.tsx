"use client";
// Capture (whole or partial) or cancel an authorized payment. Each action is two steps: the form, then a
// confirmation that states exactly what will happen; only the confirmation calls the server. The idempotency
// key is made when the form renders, so a double click (or a retry after a lost answer) acts once.
import { exponentOf, parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits } from "@paycore/core/money/money";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { decimalToMinor, formatAmount } from "../../../../lib/money";
import { errorMessage, useTRPC } from "../../../../trpc/client";

/** 1250n EUR → "12.50": what the amount field takes. */
function minorToDecimal(minor: bigint, currency: string): string {
  const code = parseCurrency(currency);
  return code === null ? minor.toString() : formatMinorUnits(minor, code);
}

export function AuthorizationActions(props: {
  paymentId: string;
  currency: string;
  capturableMinor: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [captureKey, setCaptureKey] = useState(() => crypto.randomUUID());
  const [cancelKey] = useState(() => crypto.randomUUID());
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState<
    { kind: "capture"; minor: bigint } | { kind: "cancel" } | null
  >(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const done = {
    onSuccess: (result: { errors: unknown[] }) => {
      setConfirming(null);
      if (result.errors.length === 0) setCaptureKey(crypto.randomUUID());
      router.refresh();
    },
  };
  const capture = useMutation(trpc.payments.capture.mutationOptions(done));
  const cancel = useMutation(trpc.payments.cancel.mutationOptions(done));
  const exponent = exponentOf(props.currency) ?? 2;
  const capturable = BigInt(props.capturableMinor);
  const capturableText = formatAmount(props.capturableMinor, props.currency);

  const reviewCapture = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    const minor = decimalToMinor(amount, props.currency);
    if (minor === null || minor === 0n) {
      setLocalError(`Enter an amount in ${props.currency} with at most ${exponent} decimals.`);
      return;
    }
    if (minor > capturable) {
      setLocalError(`At most ${capturableText} can be captured.`);
      return;
    }
    setConfirming({ kind: "capture", minor });
  };
  const reviewCancel = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (reason.trim() === "") {
      setLocalError("Give a reason for cancelling.");
      return;
    }
    setConfirming({ kind: "cancel" });
  };

  const result = capture.data ?? cancel.data;
  const failed = capture.error ?? cancel.error;
  const pending = capture.isPending || cancel.isPending;
  return (
    <div className="stack">
      <p>
        Capturable now: <strong data-testid="capturable">{capturableText}</strong>
      </p>
      {confirming === null ? (
        <div className="grid">
          <form className="stack" onSubmit={reviewCapture} aria-label="Capture this payment">
            <label className="field">
              Amount to capture ({props.currency})
              <input
                name="captureAmount"
                inputMode="decimal"
                required
                value={amount}
                onChange={(event) => setAmount(event.target.value)}
                placeholder={(0).toFixed(exponent)}
              />
            </label>
            <div className="row">
              <button type="submit">Review capture</button>
              <button
                type="button"
                className="secondary"
                onClick={() => setAmount(minorToDecimal(capturable, props.currency))}
              >
                Use the whole amount
              </button>
            </div>
          </form>
          <form className="stack" onSubmit={reviewCancel} aria-label="Cancel this payment">
            <label className="field">
              Reason for cancelling
              <textarea
                name="cancelReason"
                required
                maxLength={500}
                rows={2}
                value={reason}
                onChange={(event) => setReason(event.target.value)}
              />
            </label>
            <div>
              <button type="submit" className="danger">
                Review cancellation
              </button>
            </div>
          </form>
        </div>
      ) : (
        <div className="card attention-on" role="alertdialog" aria-labelledby="confirm-authorization-heading">
          <h3 id="confirm-authorization-heading">
            {confirming.kind === "capture" ? "Confirm the capture" : "Confirm the cancellation"}
          </h3>
          <p data-testid="confirm-authorization-text">
            {confirming.kind === "capture"
              ? confirming.minor === capturable
                ? `Capture the whole ${capturableText}. Nothing is left to capture afterwards.`
                : `Capture ${formatAmount(confirming.minor, props.currency)} of ${capturableText}. The rest of the authorization is released: a payment is captured once.`
              : `Void the authorization of ${capturableText}. The payment becomes cancelled and can no longer be captured.`}
          </p>
          <div className="row">
            <button
              type="button"
              disabled={pending}
              onClick={() =>
                confirming.kind === "capture"
                  ? capture.mutate({
                      paymentId: props.paymentId,
                      amount: minorToDecimal(confirming.minor, props.currency),
                      idempotencyKey: captureKey,
                    })
                  : cancel.mutate({ paymentId: props.paymentId, reason, idempotencyKey: cancelKey })
              }
            >
              {pending
                ? "Working…"
                : confirming.kind === "capture"
                  ? "Confirm capture"
                  : "Confirm cancellation"}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={pending}
              onClick={() => setConfirming(null)}
            >
              Back
            </button>
          </div>
        </div>
      )}
      {localError ? (
        <p className="error" role="alert">
          {localError}
        </p>
      ) : null}
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
      {result && result.errors.length > 0 ? (
        <p className="error" role="alert">
          {result.errors.map((error) => `${error.message} (${error.code})`).join(" ")}
        </p>
      ) : null}
      {result && result.errors.length === 0 ? (
        <p className="notice" role="status">
          The payment is now {result.payment.status.toLowerCase().replace(/_/g, " ")}.
        </p>
      ) : null}
    </div>
  );
}
