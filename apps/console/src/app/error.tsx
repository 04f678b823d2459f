"use client";
// Errors outside the console's layout (sign-in, two-factor): the page's own landmark.
import { ErrorView } from "./error-view";

export default function ErrorPage(props: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main>
      <ErrorView {...props} />
    </main>
  );
}
