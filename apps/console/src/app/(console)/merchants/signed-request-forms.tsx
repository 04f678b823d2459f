"use client";
// Admin forms for signed requests (issue 22): require them for the merchant (audited), and make or roll the
// signing secret of one of its secret keys, shown once. Both go through the core's command.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { CopyButton } from "../../copy-button";
import { SaveStatus } from "./save-status";

export function SignedRequestsForm({ merchantId, required }: { merchantId: string; required: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [checked, setChecked] = useState(required);
  const update = useMutation(
    trpc.merchants.setSignedRequests.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ merchantId, required: checked });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Require signed requests">
      <label className="field checkbox">
        <input type="checkbox" checked={checked} onChange={(event) => setChecked(event.target.checked)} />
        Require signed requests for every secret key
      </label>
      <button type="submit" disabled={update.isPending}>
        Save signing rule
      </button>
      <SaveStatus mutation={update} />
    </form>
  );
}

export function SigningSecretForm({
  merchantId,
  keys,
}: {
  merchantId: string;
  keys: Array<{ apiKeyId: string; displayHint: string }>;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const secretId = useId();
  const [keyId, setKeyId] = useState(keys[0]?.apiKeyId ?? "");
  const roll = useMutation(
    trpc.merchants.rollSigningSecret.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (window.confirm("Make a new signing secret for this key? A previous one stops verifying at once."))
      roll.mutate({ merchantId, keyId });
  };
  return (
    <div className="stack">
      <form className="filters" onSubmit={submit} aria-label="Signing secret">
        <label className="field">
          Secret key
          <select value={keyId} onChange={(event) => setKeyId(event.target.value)}>
            {keys.map((key) => (
              <option key={key.apiKeyId} value={key.apiKeyId}>
                {key.displayHint}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={roll.isPending || keyId === ""}>
          New signing secret
        </button>
      </form>
      {roll.isSuccess ? (
        <div className="notice" role="status" data-testid="new-signing-secret">
          <p>
            New signing secret <span className="mono">…{roll.data.hint}</span>. Copy it now: it is shown once
            and cannot be shown again.
          </p>
          <p className="copy-row">
            <code className="mono" id={secretId}>
              {roll.data.secret}
            </code>
            <CopyButton text={roll.data.secret} label="the signing secret" targetId={secretId} />
          </p>
        </div>
      ) : null}
      {roll.isError ? (
        <p className="error" role="alert">
          {errorMessage(roll.error)}
        </p>
      ) : null}
    </div>
  );
}
