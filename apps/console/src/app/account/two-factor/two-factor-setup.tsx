"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { CopyButton } from "../../copy-button";

/** Set-up (secret as QR, text and URI; then a code to confirm; then the recovery codes, once) or turning off. */
export function TwoFactorSetup({ enabled, mayDisable }: { enabled: boolean; mayDisable: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [code, setCode] = useState("");
  const begin = useMutation(trpc.auth.totpBegin.mutationOptions());
  const confirm = useMutation(trpc.auth.totpConfirm.mutationOptions());
  const disable = useMutation(trpc.auth.totpDisable.mutationOptions({ onSuccess: () => router.refresh() }));

  if (confirm.data) {
    return (
      <section aria-labelledby="recovery-heading" className="stack">
        <h2 id="recovery-heading">Two-factor authentication is on</h2>
        <p>
          Keep these recovery codes somewhere safe. Each works once, in place of a code, if you lose your
          device. They are not shown again.
        </p>
        <ul className="mono" data-testid="recovery-codes">
          {confirm.data.recoveryCodes.map((recoveryCode) => (
            <li key={recoveryCode}>{recoveryCode}</li>
          ))}
        </ul>
        <button
          type="button"
          onClick={() => {
            router.replace("/payments");
            router.refresh();
          }}
        >
          I have saved them: continue
        </button>
      </section>
    );
  }

  if (enabled) {
    const submit = (event: FormEvent) => {
      event.preventDefault();
      disable.mutate({ code });
    };
    return (
      <section className="stack">
        <p data-testid="totp-status">Two-factor authentication is on.</p>
        {mayDisable ? (
          <form onSubmit={submit} className="stack">
            <label className="field">
              Current code to turn it off
              <input
                type="text"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
            </label>
            {disable.isError ? (
              <p className="error" role="alert">
                {errorMessage(disable.error)}
              </p>
            ) : null}
            <button type="submit" className="danger" disabled={disable.isPending}>
              Turn off
            </button>
          </form>
        ) : (
          <p className="muted">Admins must keep it on.</p>
        )}
      </section>
    );
  }

  if (!begin.data) {
    return (
      <section className="stack">
        <p data-testid="totp-status">Two-factor authentication is off.</p>
        {begin.isError ? (
          <p className="error" role="alert">
            {errorMessage(begin.error)}
          </p>
        ) : null}
        <button type="button" onClick={() => begin.mutate()} disabled={begin.isPending}>
          Set up two-factor authentication
        </button>
      </section>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate({ code });
  };
  return (
    <section className="stack">
      <p>Scan this with an authenticator app, or enter the key by hand.</p>
      {/* biome-ignore lint/performance/noImgElement: a data: URL made on the server; next/image would add nothing. */}
      <img src={begin.data.qrDataUrl} alt="QR code of the set-up key" width={200} height={200} />
      <p className="copy-row">
        Key:{" "}
        <code data-testid="totp-secret" id="totp-secret">
          {begin.data.secret}
        </code>
        <CopyButton text={begin.data.secret} label="the set-up key" targetId="totp-secret" />
      </p>
      <details>
        <summary>Set-up link</summary>
        <code className="break" data-testid="totp-uri">
          {begin.data.uri}
        </code>
      </details>
      <form onSubmit={submit} className="stack">
        <label className="field">
          Code from the app
          <input
            type="text"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </label>
        {confirm.isError ? (
          <p className="error" role="alert">
            {errorMessage(confirm.error)}
          </p>
        ) : null}
        <button type="submit" disabled={confirm.isPending}>
          Turn on
        </button>
      </form>
    </section>
  );
}
