"use client";
// The browser's tRPC client: every request echoes the CSRF cookie in a header.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import { errorText } from "../lib/error-text";
import type { AppRouter } from "../server/api/root";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

const CSRF_COOKIE = "paycore_csrf";

export function readCsrfCookie(): string | null {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${CSRF_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : null;
}

/** Before sign-in there is no session yet: the page makes its own double-submit token. */
export function ensureCsrfCookie(): string {
  const existing = readCsrfCookie();
  if (existing) return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  // biome-ignore lint/suspicious/noDocumentCookie: the double-submit token must be a cookie the page can read.
  document.cookie = `${CSRF_COOKIE}=${token}; Path=/; SameSite=Strict${secure}`;
  return token;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: false } } }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: "/api/trpc",
          headers: () => {
            const token = readCsrfCookie();
            return token ? { "x-csrf-token": token } : {};
          },
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** A procedure error as a sentence for people: never raw JSON or a parser's "Unexpected token" (lib/error-text.ts). */
export function errorMessage(error: unknown): string {
  return errorText(error);
}
