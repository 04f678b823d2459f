"use client";
import type { PspSecretKind } from "@paycore/core/psp-accounts/psp-account";
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

const SECRET_NAMES: Record<PspSecretKind, string> = {
  API_KEY: "API key",
  WEBHOOK_SECRET: "webhook secret",
  REPORT_CREDENTIAL: "report credential",
};

/** `reportCredentialFormat` is the PSP module's own description of its report credentials (from the registry). */
export function AccountActions({
  account,
  reportCredentialFormat,
}: {
  account: { id: string; psp: string; active: boolean };
  reportCredentialFormat: string | undefined;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [kind, setKind] = useState<PspSecretKind>("API_KEY");
  const [stored, setStored] = useState<PspSecretKind | null>(null);
  const [secret, setSecret] = useState("");
  const [overlapHours, setOverlapHours] = useState(24);
  const refresh = { onSuccess: () => router.refresh() };
  const test = useMutation(trpc.pspAccounts.testConnection.mutationOptions(refresh));
  const toggle = useMutation(trpc.pspAccounts.setEnabled.mutationOptions(refresh));
  const rotate = useMutation(
    trpc.pspAccounts.rotateSecret.mutationOptions({
      onSuccess: (_account, variables) => {
        // The secret leaves the page as soon as it is stored; only what was replaced is said.
        setSecret("");
        setStored(variables.kind);
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
          <select value={kind} onChange={(event) => setKind(event.target.value as PspSecretKind)}>
            <option value="API_KEY">API key</option>
            <option value="WEBHOOK_SECRET">webhook secret</option>
            <option value="REPORT_CREDENTIAL">report credentials</option>
          </select>
        </label>
        <label className="field">
          New secret
          <input
            required
            type="password"
            value={secret}
            aria-describedby={
              kind === "REPORT_CREDENTIAL" ? `report-credential-format-${account.id}` : undefined
            }
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
        {kind === "REPORT_CREDENTIAL" ? (
          <p className="muted" id={`report-credential-format-${account.id}`}>
            Report credentials: {reportCredentialFormat ?? "as the PSP issues them"}. Announced reports are
            downloaded and report runs listed with them.
          </p>
        ) : null}
      </form>
      {stored !== null && !rotate.isError ? (
        <p className="notice" role="status">
          Stored. The new {SECRET_NAMES[stored]} is not shown again, only its last four characters.
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
