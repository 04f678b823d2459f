"use client";
// What an error boundary shows: a sentence, the reference the server logged (Next's digest), and a retry. A
// server component's own message is never shown (Next masks it in production, and it is not written for
// people); a thrown error in the browser shows as the network or server sentence.
import { errorText } from "../lib/error-text";

export function ErrorView({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const text = error.digest
    ? "This page could not be shown because of a problem on the server. Try again; if it keeps failing, tell an administrator and give them the reference below."
    : errorText(error);
  return (
    <>
      <h1>Something went wrong</h1>
      <div className="error" role="alert">
        <p>{text}</p>
        {error.digest ? <p className="mono">Reference: {error.digest}</p> : null}
      </div>
      <p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </p>
    </>
  );
}
