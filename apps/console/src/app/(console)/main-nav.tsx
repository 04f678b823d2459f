"use client";
// The main navigation: a row of links on a wide screen; on a phone, a "Menu" button that opens them as a
// column (the links stay on the header's dark background, so they keep their contrast). The current page's
// link carries aria-current. The menu closes when a link is followed.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { currentNavHref, type NavItem } from "./nav-items";

export function MainNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const current = currentNavHref(pathname, items);
  // biome-ignore lint/correctness/useExhaustiveDependencies: closing on every navigation is the point.
  useEffect(() => setOpen(false), [pathname]);
  return (
    <>
      <button
        type="button"
        className="menu-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen((value) => !value)}
      >
        {open ? "Close menu" : "Menu"}
      </button>
      <nav id="main-nav" aria-label="Main" data-open={open ? "true" : "false"}>
        {items.map((item) => (
          <Link key={item.href} href={item.href} aria-current={item.href === current ? "page" : undefined}>
            {item.label}
          </Link>
        ))}
      </nav>
    </>
  );
}
