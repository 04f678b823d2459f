"use client";
// The ledger page's actions: run the consistency check, post (or request) a manual adjustment after a
// confirmation step, and approve or reject a four-eyes request (never one's own: the server refuses it too).
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { ConfirmDialog } from "../confirm-dialog";

export function LedgerCheckButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.ledger.runCheck.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="stack">
      <div>
        <button type="button" disabled={run.isPending} onClick={() => run.mutate({ full: false })}>
          {run.isPending ? "Checking…" : "Run the check now"}
        </button>{" "}
        {/* The whole ledger and chain, as the scheduled full check does: slower, and proves more. */}
        <button type="button" disabled={run.isPending} onClick={() => run.mutate({ full: true })}>
          Run a full check
        </button>
      </div>
      {run.isError ? (
        <p className="error" role="alert">
          {errorMessage(run.error)}
        </p>
      ) : null}
    </div>
  );
}

export function AdjustmentForm(props: {
  accounts: string[];
  merchants: Array<{ id: string; name: string }>;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [merchantId, setMerchantId] = useState(props.merchants[0]?.id ?? "");
  const [mode, setMode] = useState<"TEST" | "LIVE">("TEST");
  const [currency, setCurrency] = useState("USD");
  const [debitAccount, setDebit] = useState(props.accounts[0] ?? "");
  const [creditAccount, setCredit] = useState(props.accounts[1] ?? "");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  // One key per adjustment typed: a double submit posts once; a new one after each success.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const adjust = useMutation(
    trpc.ledger.adjust.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        setIdempotencyKey(crypto.randomUUID());
        router.refresh();
      },
    }),
  );
  const review = (event: FormEvent) => {
    event.preventDefault();
    setConfirming(true);
  };
  type Account = "merchant_balance" | "fee_revenue" | "psp_fees" | "recon_adjustments";
  const merchantName = props.merchants.find((m) => m.id === merchantId)?.name ?? merchantId;
  return (
    <form className="stack" onSubmit={review} aria-label="Manual ledger adjustment">
      <div className="grid">
        <label className="field">
          Merchant
          <select name="merchantId" value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
            {props.merchants.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Mode
          <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as "TEST" | "LIVE")}>
            <option value="TEST">test</option>
            <option value="LIVE">live</option>
          </select>
        </label>
        <label className="field">
          Currency
          <input
            name="currency"
            required
            maxLength={3}
            value={currency}
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          />
        </label>
        <label className="field">
          Debit account
          <select name="debitAccount" value={debitAccount} onChange={(e) => setDebit(e.target.value)}>
            {props.accounts.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Credit account
          <select name="creditAccount" value={creditAccount} onChange={(e) => setCredit(e.target.value)}>
            {props.accounts.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Amount
          <input
            name="amount"
            inputMode="decimal"
            required
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
      </div>
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
      {confirming ? (
        <ConfirmDialog
          label="Confirm the adjustment"
          testId="confirm-adjustment-text"
          confirmLabel="Confirm adjustment"
          pending={adjust.isPending}
          onConfirm={() =>
            adjust.mutate({
              merchantId,
              mode,
              currency,
              debitAccount: debitAccount as Account,
              creditAccount: creditAccount as Account,
              amount,
              reason,
              idempotencyKey,
            })
          }
          onBack={() => setConfirming(false)}
        >
          Debit {debitAccount} and credit {creditAccount} with {amount} {currency} for {merchantName} (
          {mode.toLowerCase()}).
        </ConfirmDialog>
      ) : (
        <div>
          <button type="submit">Review adjustment</button>
        </div>
      )}
      {adjust.isError ? (
        <p className="error" role="alert">
          {errorMessage(adjust.error)}
        </p>
      ) : null}
      {adjust.data ? (
        <p className="notice" role="status" data-testid="adjustment-result">
          {adjust.data.status === "POSTED"
            ? `Posted as ${adjust.data.journalEntryId}.`
            : `Above the threshold: request ${adjust.data.approvalRequestId} waits for a second operator.`}
        </p>
      ) : null}
    </form>
  );
}

/** `canApprove`: false for a kind only an admin approves when the operator is none (the server refuses it too). */
export function ApprovalActions(props: { id: string; requestedBy: string; me: string; canApprove: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [note, setNote] = useState("");
  const refresh = { onSuccess: () => router.refresh() };
  const approve = useMutation(trpc.ledger.approve.mutationOptions(refresh));
  const reject = useMutation(trpc.ledger.reject.mutationOptions(refresh));
  if (props.requestedBy === props.me) {
    return <p className="muted">You asked for this: another operator decides it.</p>;
  }
  const failed = approve.error ?? reject.error;
  return (
    <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label={`Decide request ${props.id}`}>
      <label className="field">
        Note
        <input name="note" required maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      {props.canApprove ? null : <p className="muted">Only a second admin approves this request.</p>}
      <div className="row">
        {props.canApprove ? (
          <button
            type="button"
            disabled={approve.isPending || note.trim() === ""}
            onClick={() => approve.mutate({ id: props.id, note })}
          >
            Approve
          </button>
        ) : null}
        <button
          type="button"
          className="danger"
          disabled={reject.isPending || note.trim() === ""}
          onClick={() => reject.mutate({ id: props.id, note })}
        >
          Reject
        </button>
      </div>
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
    </form>
  );
}
