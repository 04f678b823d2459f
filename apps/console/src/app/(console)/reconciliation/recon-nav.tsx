// The reconciliation section's own links: runs, the open-items queue, the approvals waiting for a second operator.
import Link from "next/link";

export function ReconNav({ current }: { current: "runs" | "items" | "approvals" }) {
  const links = [
    { key: "runs", href: "/reconciliation", label: "Report runs" },
    { key: "items", href: "/reconciliation/items", label: "Open items" },
    { key: "approvals", href: "/reconciliation/approvals", label: "Approvals" },
  ] as const;
  return (
    <nav aria-label="Reconciliation" className="row">
      {links.map((link) => (
        <Link
          key={link.key}
          href={link.href}
          className={link.key === current ? "button" : "button secondary"}
          aria-current={link.key === current ? "page" : undefined}
        >
          {link.label}
        </Link>
      ))}
    </nav>
  );
}

/** "AMOUNT_MISMATCH" → "amount mismatch". */
export function categoryLabel(category: string): string {
  return category.replace(/_/g, " ").toLowerCase();
}
