"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { errorMessage, useTRPC } from "../../../trpc/client";
import { CopyButton } from "../../copy-button";
import { ConfirmDialog } from "../confirm-dialog";

type Role = "VIEWER" | "OPERATOR" | "ADMIN";
const ROLES: Role[] = ["VIEWER", "OPERATOR", "ADMIN"];

/** A password shown once: the admin passes it on through a safe channel; it is not kept anywhere readable. */
function OneTimePassword({ email, password }: { email: string; password: string }) {
  const passwordId = useId();
  return (
    <div className="notice copy-row" role="status">
      Password for {email}, shown once:{" "}
      <code data-testid="one-time-password" id={passwordId}>
        {password}
      </code>
      <CopyButton text={password} label={`the password for ${email}`} targetId={passwordId} />
    </div>
  );
}

export function CreateOperatorForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("OPERATOR");
  const [password, setPassword] = useState("");
  const create = useMutation(
    trpc.operators.create.mutationOptions({
      onSuccess: () => {
        setPassword("");
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ email, role, password: password || null });
  };
  return (
    <>
      <form className="filters" onSubmit={submit} autoComplete="off">
        <label className="field">
          Email
          <input
            required
            type="email"
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {value.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Password (empty: generate one)
          <input
            type="password"
            autoComplete="new-password"
            minLength={12}
            maxLength={256}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <button type="submit" disabled={create.isPending}>
          Add operator
        </button>
      </form>
      {create.data?.password ? (
        <OneTimePassword email={create.data.operator.email} password={create.data.password} />
      ) : create.data ? (
        <p className="notice" role="status">
          Added {create.data.operator.email}.
        </p>
      ) : null}
      {create.isError ? (
        <p className="error" role="alert">
          {errorMessage(create.error)}
        </p>
      ) : null}
    </>
  );
}

export function OperatorActions({
  operator,
}: {
  operator: { id: string; email: string; role: Role; active: boolean; locked: boolean };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = { onSuccess: () => router.refresh() };
  const toggle = useMutation(trpc.operators.setDisabled.mutationOptions(refresh));
  const changeRole = useMutation(trpc.operators.changeRole.mutationOptions(refresh));
  const unlock = useMutation(trpc.operators.unlock.mutationOptions(refresh));
  const reset = useMutation(trpc.operators.resetPassword.mutationOptions());
  const error = toggle.error ?? changeRole.error ?? unlock.error ?? reset.error;
  const [confirming, setConfirming] = useState<"disable" | "reset" | null>(null);
  return (
    <div className="stack">
      <div className="row">
        <label className="field">
          Role of {operator.email}
          <select
            value={operator.role}
            disabled={changeRole.isPending}
            onChange={(event) =>
              changeRole.mutate({ operatorId: operator.id, role: event.target.value as Role })
            }
          >
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {value.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        {/* Disabling and resetting lock a colleague out at once: each asks first (enabling does not). */}
        <button
          type="button"
          className="secondary"
          disabled={toggle.isPending || confirming !== null}
          onClick={() =>
            operator.active
              ? setConfirming("disable")
              : toggle.mutate({ operatorId: operator.id, disabled: false })
          }
        >
          {operator.active ? "Disable" : "Enable"}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={reset.isPending || confirming !== null}
          onClick={() => setConfirming("reset")}
        >
          Reset password
        </button>
        {operator.locked ? (
          <button
            type="button"
            className="secondary"
            disabled={unlock.isPending}
            onClick={() => unlock.mutate({ operatorId: operator.id })}
          >
            Unlock sign-in
          </button>
        ) : null}
      </div>
      {confirming === "disable" ? (
        <ConfirmDialog
          label={`Disable ${operator.email}`}
          confirmLabel={`Disable ${operator.email}`}
          pending={toggle.isPending}
          onConfirm={() =>
            toggle.mutate(
              { operatorId: operator.id, disabled: true },
              { onSettled: () => setConfirming(null) },
            )
          }
          onBack={() => setConfirming(null)}
        >
          {operator.email} is signed out and cannot sign in until an admin enables the account again.
        </ConfirmDialog>
      ) : null}
      {confirming === "reset" ? (
        <ConfirmDialog
          label={`Reset the password of ${operator.email}`}
          confirmLabel="Reset the password"
          pending={reset.isPending}
          onConfirm={() =>
            reset.mutate({ operatorId: operator.id }, { onSettled: () => setConfirming(null) })
          }
          onBack={() => setConfirming(null)}
        >
          The current password of {operator.email} stops working now; you get a one-time password to hand
          over.
        </ConfirmDialog>
      ) : null}
      {reset.data?.password ? (
        <OneTimePassword email={operator.email} password={reset.data.password} />
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
