import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { TRPCReactProvider } from "../trpc/client";
import "./globals.css";

// Every page names itself ("Payments", "Payment pay_…"); the template adds the console's name.
export const metadata: Metadata = { title: { template: "%s · paycore console", default: "paycore console" } };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: Next puts the request's CSP nonce (set by src/proxy.ts) on its scripts,
  // which a page prerendered at build time could not carry.
  await connection();
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
