"use client";
// Admin forms for merchants: create, edit fee and risk settings, and API keys (create, roll, revoke). A new key
// is shown once, from the mutation's answer held in this component's state only: a reload shows only its hint.
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { CopyButton } from "../../copy-button";
import { SaveStatus } from "./save-status";
import { WholeNumberField } from "./settings-form";

export interface SettingsValues {
  feeRateBps: number;
  feeFixedMinor: string;
  riskReviewThreshold: number;
  riskDeclineThreshold: number;
}

const DEFAULT_SETTINGS: SettingsValues = {
  feeRateBps: 290,
  feeFixedMinor: "30",
  riskReviewThreshold: 40,
  riskDeclineThreshold: 75,
};

function SettingsFields({
  values,
  onChange,
}: {
  values: SettingsValues;
  onChange: (values: SettingsValues) => void;
}) {
  return (
    <>
      <WholeNumberField
        label="Fee rate (bps)"
        min={0}
        max={10_000}
        value={values.feeRateBps}
        onChange={(value) => onChange({ ...values, feeRateBps: value })}
      />
      <label className="field">
        Default fixed fee (hundredths of a major unit)
        <input
          type="number"
          required
          min={0}
          step={1}
          value={values.feeFixedMinor}
          onChange={(event) => onChange({ ...values, feeFixedMinor: event.target.value })}
        />
      </label>
      <WholeNumberField
        label="Review threshold (0–99)"
        min={0}
        max={99}
        value={values.riskReviewThreshold}
        onChange={(value) => onChange({ ...values, riskReviewThreshold: value })}
      />
      <WholeNumberField
        label="Decline threshold (1–100)"
        min={1}
        max={100}
        value={values.riskDeclineThreshold}
        onChange={(value) => onChange({ ...values, riskDeclineThreshold: value })}
      />
    </>
  );
}

export function CreateMerchantForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState("");
  const [settings, setSettings] = useState<SettingsValues>(DEFAULT_SETTINGS);
  const create = useMutation(
    trpc.merchants.create.mutationOptions({
      onSuccess: () => {
        setName("");
        setSettings(DEFAULT_SETTINGS);
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, ...settings });
  };
  return (
    <form className="filters" onSubmit={submit}>
      <label className="field">
        Name
        <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <SettingsFields values={settings} onChange={setSettings} />
      <button type="submit" disabled={create.isPending}>
        Create merchant
      </button>
      {create.isSuccess ? (
        <p className="notice" role="status">
          Created <Link href={`/merchants/${create.data.id}`}>{create.data.name}</Link>.
        </p>
      ) : null}
      {create.isError ? (
        <p className="error" role="alert">
          {errorMessage(create.error)}
        </p>
      ) : null}
    </form>
  );
}

export function EditSettingsForm({ merchantId, initial }: { merchantId: string; initial: SettingsValues }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [settings, setSettings] = useState<SettingsValues>(initial);
  const update = useMutation(
    trpc.merchants.updateSettings.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ merchantId, ...settings });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Fee and risk settings">
      <SettingsFields values={settings} onChange={setSettings} />
      <button type="submit" disabled={update.isPending}>
        Save settings
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

/** The merchant's allowed origins, one per line: browser keys' CORS and the hosted card fields' parents. */
export function AllowedOriginsForm({ merchantId, initial }: { merchantId: string; initial: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [text, setText] = useState(initial.join("\n"));
  const update = useMutation(
    trpc.merchants.updateAllowedOrigins.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const origins = text
      .split(/\s+/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    update.mutate({ merchantId, origins });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Allowed origins">
      <label className="field">
        Allowed origins (one per line, such as https://shop.example)
        <textarea rows={4} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      <button type="submit" disabled={update.isPending}>
        Save origins
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

/** One publishable key's hosted card-field origins (the pages that may frame its card fields). */
export function KeyOriginsForm({
  merchantId,
  keyId,
  label,
  initial,
}: {
  merchantId: string;
  keyId: string;
  label: string;
  initial: string[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [text, setText] = useState(initial.join("\n"));
  const update = useMutation(
    trpc.merchants.updateKeyOrigins.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const origins = text
      .split(/\s+/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    update.mutate({ merchantId, keyId, origins });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={`Card-field origins of ${label}`}>
      <label className="field">
        Card-field origins of {label} (one per line, https; http only for localhost in test mode; at most 20)
        <textarea rows={3} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      <button type="submit" disabled={update.isPending}>
        Save origins of {label}
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

function ShownOnce({ secret }: { secret: { key: string; displayHint: string } }) {
  const secretId = useId();
  return (
    <div className="notice" role="status" data-testid="new-key">
      <p>
        New key <span className="mono">{secret.displayHint}</span>. Copy it now: it is shown once and cannot
        be shown again.
      </p>
      <p className="copy-row">
        <code className="mono" data-testid="new-key-secret" id={secretId}>
          {secret.key}
        </code>
        <CopyButton text={secret.key} label="the new key" targetId={secretId} />
      </p>
    </div>
  );
}

export function CreateKeyForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [kind, setKind] = useState<"SECRET" | "PUBLISHABLE">("SECRET");
  const [mode, setMode] = useState<"TEST" | "LIVE">("TEST");
  const create = useMutation(trpc.merchants.createKey.mutationOptions({ onSuccess: () => router.refresh() }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ merchantId, kind, mode });
  };
  return (
    <div className="stack">
      <form className="filters" onSubmit={submit} aria-label="New API key">
        <label className="field">
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value as "SECRET" | "PUBLISHABLE")}>
            <option value="SECRET">secret</option>
            <option value="PUBLISHABLE">publishable</option>
          </select>
        </label>
        <label className="field">
          Mode
          <select value={mode} onChange={(event) => setMode(event.target.value as "TEST" | "LIVE")}>
            <option value="TEST">test</option>
            <option value="LIVE">live</option>
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.isSuccess ? <ShownOnce secret={create.data} /> : null}
      {create.isError ? (
        <p className="error" role="alert">
          {errorMessage(create.error)}
        </p>
      ) : null}
    </div>
  );
}

export function KeyActions({
  merchantId,
  keyId,
  label,
}: {
  merchantId: string;
  keyId: string;
  label: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const roll = useMutation(trpc.merchants.rollKey.mutationOptions({ onSuccess: () => router.refresh() }));
  const revoke = useMutation(trpc.merchants.revokeKey.mutationOptions({ onSuccess: () => router.refresh() }));
  const busy = roll.isPending || revoke.isPending;
  const error = roll.error ?? revoke.error;
  return (
    <div className="stack">
      <div className="row">
        <button
          type="button"
          className="secondary"
          aria-label={`Roll ${label}`}
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Roll ${label}? The old key stops working at once.`)) {
              roll.mutate({ merchantId, keyId });
            }
          }}
        >
          Roll
        </button>
        <button
          type="button"
          className="danger"
          aria-label={`Revoke ${label}`}
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Revoke ${label}? It stops working at once.`))
              revoke.mutate({ merchantId, keyId });
          }}
        >
          Revoke
        </button>
      </div>
      {roll.isSuccess ? <ShownOnce secret={roll.data.created} /> : null}
      {error ? (
        <p className="error" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
