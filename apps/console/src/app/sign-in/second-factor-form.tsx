"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../trpc/client";

/** The second step of sign-in: a code from the authenticator app, or one of the recovery codes. */
export function SecondFactorForm({ next, email }: { next: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [code, setCode] = useState("");
  const verify = useMutation(
    trpc.auth.verifySecondFactor.mutationOptions({
      onSuccess: () => {
        router.replace(next);
        router.refresh();
      },
    }),
  );
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => {
        router.replace("/sign-in");
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ code });
  };
  return (
    <form onSubmit={submit} aria-describedby={verify.isError ? "second-factor-error" : "second-factor-help"}>
      <p id="second-factor-help">
        Signing in as <strong>{email}</strong>. Enter the 6-digit code from your authenticator app, or one of
        your recovery codes.
      </p>
      <label className="field">
        Code
        <input
          type="text"
          name="code"
          inputMode="text"
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          required
          minLength={6}
          maxLength={32}
          value={code}
          onChange={(event) => setCode(event.target.value)}
        />
      </label>
      {verify.isError ? (
        <p id="second-factor-error" className="error" role="alert">
          {errorMessage(verify.error)}
        </p>
      ) : null}
      <button type="submit" disabled={verify.isPending}>
        {verify.isPending ? "Checking…" : "Verify"}
      </button>{" "}
      <button type="button" className="link" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        Use another account
      </button>
    </form>
  );
}
