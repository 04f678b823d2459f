import Link from "next/link";
import type { ReactNode } from "react";
import { requireOperator } from "../../trpc/server";
import { SignOutButton } from "./sign-out-button";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const me = await requireOperator();
  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">paycore console</span>
        <nav aria-label="Main">
          <Link href="/overview">Overview</Link>
          <Link href="/payments">Payments</Link>
          <Link href="/invoices">Invoices</Link>
          <Link href="/reviews">Fraud reviews</Link>
          <Link href="/reviews/lists">Deny/allow lists</Link>
          <Link href="/merchants">Merchants</Link>
          <Link href="/audit">Audit log</Link>
          <Link href="/mail">Mail</Link>
          <Link href="/account/two-factor">Two-factor</Link>
          {me.role === "ADMIN" ? <Link href="/psp-accounts">PSP accounts</Link> : null}
          {me.role === "ADMIN" ? <Link href="/operators">Operators</Link> : null}
        </nav>
        <span className="who">
          <span data-testid="signed-in-as">
            {me.email} ({me.role.toLowerCase()})
          </span>
          <SignOutButton />
        </span>
      </header>
      <main id="content">{children}</main>
    </>
  );
}
