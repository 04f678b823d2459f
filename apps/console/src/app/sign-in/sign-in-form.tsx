"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { ensureCsrfCookie, errorMessage, useTRPC } from "../../trpc/client";

/** `next`: where to go once signed in, already checked to be a path on this console. */
export function SignInForm({ next }: { next: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: ({ stage }) => {
        // With TOTP on, the same page now asks for the code; an admin without it goes to set it up first.
        if (stage === "enrol") router.replace("/account/two-factor");
        else if (stage === "ready") router.replace(next);
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    ensureCsrfCookie();
    signIn.mutate({ email, password });
  };
  return (
    <form onSubmit={submit} aria-describedby={signIn.isError ? "sign-in-error" : undefined}>
      <label className="field">
        Email
        <input
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
      </label>
      <label className="field">
        Password
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      {signIn.isError ? (
        <p id="sign-in-error" className="error" role="alert">
          {errorMessage(signIn.error)}
        </p>
      ) : null}
      <button type="submit" disabled={signIn.isPending}>
        {signIn.isPending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
