import type { ReactNode } from "react";
import { requireOperator } from "../../trpc/server";
import { MainNav } from "./main-nav";
import { navItemsFor } from "./nav-items";
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
        <MainNav items={navItemsFor(me.role)} />
        <span className="who">
          <span data-testid="signed-in-as" className="who-email">
            {me.email} ({me.role.toLowerCase()})
          </span>
          <SignOutButton />
        </span>
      </header>
      <main id="content">{children}</main>
    </>
  );
}
