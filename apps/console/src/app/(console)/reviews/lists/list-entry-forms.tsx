"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

const KINDS = ["EMAIL", "IP", "BIN", "FINGERPRINT"] as const;

export function AddListEntryForm({
  merchants,
  initial,
}: {
  merchants: Array<{ id: string; name: string }>;
  /** Values a link prefilled (a payment's card fingerprint); the operator still submits. */
  initial?: { list: "DENY" | "ALLOW"; kind: (typeof KINDS)[number]; value: string; merchantId: string };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [list, setList] = useState<"DENY" | "ALLOW">(initial?.list ?? "DENY");
  const [kind, setKind] = useState<(typeof KINDS)[number]>(initial?.kind ?? "EMAIL");
  const [value, setValue] = useState(initial?.value ?? "");
  const [merchantId, setMerchantId] = useState(
    initial && merchants.some((merchant) => merchant.id === initial.merchantId) ? initial.merchantId : "",
  );
  const [note, setNote] = useState("");
  const add = useMutation(
    trpc.riskLists.add.mutationOptions({
      onSuccess: () => {
        setValue("");
        setNote("");
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ list, kind, value, merchantId: merchantId || null, note: note || null });
  };
  return (
    <form className="filters" onSubmit={submit}>
      <label className="field">
        List
        <select value={list} onChange={(event) => setList(event.target.value as "DENY" | "ALLOW")}>
          <option value="DENY">deny</option>
          <option value="ALLOW">allow</option>
        </select>
      </label>
      <label className="field">
        Kind
        <select value={kind} onChange={(event) => setKind(event.target.value as (typeof KINDS)[number])}>
          {KINDS.map((option) => (
            <option key={option} value={option}>
              {option.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Value
        <input required value={value} onChange={(event) => setValue(event.target.value)} size={30} />
      </label>
      <label className="field">
        Merchant
        <select value={merchantId} onChange={(event) => setMerchantId(event.target.value)}>
          <option value="">All merchants</option>
          {merchants.map((merchant) => (
            <option key={merchant.id} value={merchant.id}>
              {merchant.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Note
        <input value={note} onChange={(event) => setNote(event.target.value)} size={30} maxLength={500} />
      </label>
      <button type="submit" disabled={add.isPending}>
        Add
      </button>
      {add.isError ? (
        <p className="error" role="alert">
          {errorMessage(add.error)}
        </p>
      ) : null}
    </form>
  );
}

export function RemoveListEntryButton({ id, label }: { id: string; label: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.riskLists.remove.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-label={`Remove ${label}`}
        disabled={remove.isPending}
        onClick={() => remove.mutate({ id })}
      >
        Remove
      </button>
      {remove.isError ? (
        <p className="error" role="alert">
          {errorMessage(remove.error)}
        </p>
      ) : null}
    </>
  );
}
