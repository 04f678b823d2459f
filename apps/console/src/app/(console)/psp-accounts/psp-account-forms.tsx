"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";

/** The PSPs come from the platform's registry: a new PSP's folder adds it here with nothing else to change. */
export function CreatePspAccountForm({
  psps,
}: {
  psps: Array<{ name: string; merchantAccountRequired: boolean; endpointExample: string }>;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [psp, setPsp] = useState(psps[0]?.name ?? "");
  const chosen = psps.find((candidate) => candidate.name === psp);
  const [endpoint, setEndpoint] = useState("");
  const [merchantAccount, setMerchantAccount] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [webhookSecret, setWebhookSecret] = useState("");
  const create = useMutation(
    trpc.pspAccounts.create.mutationOptions({
      onSuccess: () => {
        // The secrets leave the page as soon as they are stored.
        setApiKey("");
        setWebhookSecret("");
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ psp, endpoint, merchantAccount: merchantAccount || null, apiKey, webhookSecret });
  };
  return (
    <form className="filters" onSubmit={submit} autoComplete="off">
      <label className="field">
        PSP
        <select value={psp} onChange={(event) => setPsp(event.target.value)}>
          {psps.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Endpoint
        <input
          required
          type="url"
          value={endpoint}
          placeholder={chosen?.endpointExample}
          onChange={(event) => setEndpoint(event.target.value)}
          size={34}
        />
      </label>
      {chosen?.merchantAccountRequired ? (
        <label className="field">
          Merchant account
          <input
            required
            value={merchantAccount}
            onChange={(event) => setMerchantAccount(event.target.value)}
          />
        </label>
      ) : null}
      <label className="field">
        API key
        <input required type="password" value={apiKey} onChange={(event) => setApiKey(event.target.value)} />
      </label>
      <label className="field">
        Webhook secret
        <input
          required
          type="password"
          value={webhookSecret}
          onChange={(event) => setWebhookSecret(event.target.value)}
        />
      </label>
      <button type="submit" disabled={create.isPending}>
        Add account
      </button>
      {create.isError ? (
        <p className="error" role="alert">
          {errorMessage(create.error)}
        </p>
      ) : null}
    </form>
  );
}

export function AccountActions({ account }: { account: { id: string; psp: string; active: boolean } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [kind, setKind] = useState<"API_KEY" | "WEBHOOK_SECRET">("API_KEY");
  const [secret, setSecret] = useState("");
  const [overlapHours, setOverlapHours] = useState(24);
  const refresh = { onSuccess: () => router.refresh() };
  const test = useMutation(trpc.pspAccounts.testConnection.mutationOptions(refresh));
  const toggle = useMutation(trpc.pspAccounts.setEnabled.mutationOptions(refresh));
  const rotate = useMutation(
    trpc.pspAccounts.rotateSecret.mutationOptions({
      onSuccess: () => {
        setSecret("");
        router.refresh();
      },
    }),
  );
  const submitRotation = (event: FormEvent) => {
    event.preventDefault();
    rotate.mutate({ accountId: account.id, kind, secret, overlapHours });
  };
  const error = test.error ?? toggle.error ?? rotate.error;
  return (
    <div className="stack">
      <div className="row">
        {account.active ? (
          <button
            type="button"
            className="secondary"
            disabled={test.isPending}
            onClick={() => test.mutate({ psp: account.psp })}
          >
            Test connection
          </button>
        ) : null}
        <button
          type="button"
          className="secondary"
          disabled={toggle.isPending}
          onClick={() => toggle.mutate({ accountId: account.id, enabled: !account.active })}
        >
          {account.active ? "Disable" : "Enable"}
        </button>
      </div>
      {test.data ? (
        <p className={test.data.ok ? "notice" : "error"} role="status">
          {test.data.ok ? "The PSP accepted the credentials." : test.data.error}
        </p>
      ) : null}
      <form
        className="row"
        onSubmit={submitRotation}
        autoComplete="off"
        aria-label={`Rotate a secret of ${account.id}`}
      >
        <label className="field">
          Rotate
          <select
            value={kind}
            onChange={(event) => setKind(event.target.value as "API_KEY" | "WEBHOOK_SECRET")}
          >
            <option value="API_KEY">API key</option>
            <option value="WEBHOOK_SECRET">webhook secret</option>
          </select>
        </label>
        <label className="field">
          New secret
          <input
            required
            type="password"
            value={secret}
            onChange={(event) => setSecret(event.target.value)}
          />
        </label>
        <label className="field">
          Old one valid for (hours)
          <input
            type="number"
            min={0}
            max={720}
            value={overlapHours}
            onChange={(event) => setOverlapHours(Number(event.target.value))}
          />
        </label>
        <button type="submit" disabled={rotate.isPending}>
          Rotate
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
