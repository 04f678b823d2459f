// The console's main navigation, one line per page. A new page adds its line here (with `minimumRole` when
// only some roles may open it); the layout and the phone menu render this list.
import type { OperatorRole } from "@paycore/db/repositories/operator.repository";

export interface NavItem {
  href: string;
  label: string;
  /** Hidden below this role (the page itself checks the role on the server). */
  minimumRole?: OperatorRole;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/overview", label: "Overview" },
  { href: "/payments", label: "Payments" },
  { href: "/reviews", label: "Fraud reviews" },
  { href: "/reviews/lists", label: "Deny/allow lists" },
  // Workbench (issue 17).
  { href: "/disputes", label: "Disputes" },
  { href: "/dead-letters", label: "Dead letters" },
  { href: "/escalations", label: "Escalations" },
  { href: "/ledger", label: "Ledger" },
  // Reconciliation (issue 16).
  { href: "/reconciliation", label: "Reconciliation" },
  // Invoices (issue 20).
  { href: "/invoices", label: "Invoices" },
  { href: "/merchants", label: "Merchants" },
  // Onboarding and KYC (issue 22).
  { href: "/onboarding", label: "Onboarding" },
  { href: "/sanctions", label: "Sanctions" },
  { href: "/audit", label: "Audit log" },
  { href: "/mail", label: "Mail" },
  { href: "/account/two-factor", label: "Two-factor" },
  { href: "/psp-accounts", label: "PSP accounts", minimumRole: "ADMIN" },
  { href: "/operators", label: "Operators", minimumRole: "ADMIN" },
  // Customers' personal data (issue 22).
  { href: "/customers/erasure", label: "Customer erasure", minimumRole: "ADMIN" },
];

const RANK: Record<OperatorRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export function navItemsFor(role: OperatorRole): NavItem[] {
  return NAV_ITEMS.filter((item) => !item.minimumRole || RANK[role] >= RANK[item.minimumRole]);
}

/** The item a path belongs to: the longest href that is the path or a parent of it. */
export function currentNavHref(pathname: string, items: readonly NavItem[]): string | null {
  let best: string | null = null;
  for (const item of items) {
    const matches = pathname === item.href || pathname.startsWith(`${item.href}/`);
    if (matches && (best === null || item.href.length > best.length)) best = item.href;
  }
  return best;
}
