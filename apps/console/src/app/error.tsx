"use client";

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <main>
      <div className="error" role="alert">
        <p>Something went wrong: {error.message || "unexpected error"}.</p>
        {error.digest ? <p className="mono">Reference: {error.digest}</p> : null}
      </div>
      <p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </p>
    </main>
  );
}
