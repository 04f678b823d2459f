"use client";
// Errors inside the console: shown in the layout's own <main>, with the navigation still there.
import { ErrorView } from "../error-view";

export default function ConsoleErrorPage(props: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorView {...props} />;
}
