"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

interface Counts {
  payments: number;
  receipts: number;
  invoices: number;
  checkoutSessions: number;
  mails: number;
}

const LABELS: ReadonlyArray<[keyof Counts, string]> = [
  ["payments", "payments"],
  ["receipts", "receipts"],
  ["invoices", "invoices"],
  ["checkoutSessions", "checkout sessions"],
  ["mails", "mails"],
];

/** What an erasure changes, as counts per table: never the data. */
export function ErasureCounts({ counts }: { counts: Counts }) {
  return (
    <ul className="counts" data-testid="erasure-counts">
      {LABELS.map(([key, label]) => (
        <li key={key}>
          <span data-testid={`count-${key}`}>{counts[key]}</span> {label}
        </li>
      ))}
    </ul>
  );
}

export function ErasureRequestForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [merchantId, setMerchantId] = useState("");
  const [email, setEmail] = useState("");
  const [reason, setReason] = useState("");
  /** The input the preview shows: set by "Preview", cleared by any edit so a request never outruns its preview. */
  const [previewed, setPreviewed] = useState<{ merchantId: string; email: string } | null>(null);
  const preview = useQuery({
    ...trpc.customers.previewErasure.queryOptions(previewed ?? { merchantId: "", email: "" }),
    enabled: previewed !== null,
    retry: false,
  });
  const request = useMutation(
    trpc.customers.requestErasure.mutationOptions({
      onSuccess: () => {
        setPreviewed(null);
        setEmail("");
        setReason("");
        router.refresh();
      },
    }),
  );
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    setPreviewed(null);
    request.reset();
  };
  const submitPreview = (event: FormEvent) => {
    event.preventDefault();
    setPreviewed({ merchantId: merchantId.trim(), email: email.trim() });
  };
  const found = previewed !== null && preview.data?.counts ? preview.data : null;
  return (
    <section aria-labelledby="erasure-request-title">
      <h2 id="erasure-request-title">Request an erasure</h2>
      <form className="filters" onSubmit={submitPreview} autoComplete="off">
        <label className="field">
          Merchant id
          <input
            required
            maxLength={64}
            placeholder="mer_…"
            value={merchantId}
            onChange={(e) => edit(setMerchantId)(e.target.value)}
          />
        </label>
        <label className="field">
          Customer e-mail
          <input
            required
            type="email"
            maxLength={320}
            value={email}
            onChange={(e) => edit(setEmail)(e.target.value)}
          />
        </label>
        <button type="submit" disabled={preview.isFetching}>
          Preview
        </button>
      </form>
      {preview.isError ? (
        <p className="error" role="alert">
          {errorMessage(preview.error)}
        </p>
      ) : null}
      {previewed !== null && preview.data && preview.data.merchant === null ? (
        <p className="error" role="alert">
          No merchant {previewed.merchantId}.
        </p>
      ) : null}
      {found?.counts && found.merchant ? (
        <div className="notice" role="status" data-testid="erasure-preview">
          <p>
            At {found.merchant.name}, erasing {previewed?.email} changes:
          </p>
          <ErasureCounts counts={found.counts} />
          <form
            className="filters"
            onSubmit={(event) => {
              event.preventDefault();
              if (previewed) request.mutate({ ...previewed, reason });
            }}
          >
            <label className="field">
              Reason (ticket or request reference)
              <input required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
            <button type="submit" disabled={request.isPending}>
              Request erasure
            </button>
          </form>
        </div>
      ) : null}
      {request.isError ? (
        <p className="error" role="alert">
          {errorMessage(request.error)}
        </p>
      ) : null}
      {request.data ? (
        <p className="notice" role="status" data-testid="erasure-requested">
          Request <span className="mono">{request.data.approvalId}</span> waits for another operator&apos;s
          approval in <Link href="/ledger">Ledger</Link>.
        </p>
      ) : null}
    </section>
  );
}
