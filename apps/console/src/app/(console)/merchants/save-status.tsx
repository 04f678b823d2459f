"use client";
// What a settings form says after it submits: "Saved." or the error as a sentence.
import { errorMessage } from "../../../trpc/client";

export function SaveStatus({
  mutation,
}: {
  mutation: { isSuccess: boolean; isError: boolean; error: unknown };
}) {
  return (
    <>
      {mutation.isSuccess ? (
        <p className="notice" role="status">
          Saved.
        </p>
      ) : null}
      {mutation.isError ? (
        <p className="error" role="alert">
          {errorMessage(mutation.error)}
        </p>
      ) : null}
    </>
  );
}
