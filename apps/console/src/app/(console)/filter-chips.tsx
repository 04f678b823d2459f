// The filters in force on a list as removable chips, with a link that clears them all.
import Link from "next/link";
import type { ActiveFilter } from "../../lib/filter-chips";

export function FilterChips({ filters, clearHref }: { filters: ActiveFilter[]; clearHref: string }) {
  if (filters.length === 0) return null;
  return (
    <ul className="active-filters" aria-label="Filters in force">
      {filters.map((filter) => (
        <li key={`${filter.key}=${filter.value}`}>
          <Link className="chip" href={filter.removeHref}>
            <span>
              <span className="visually-hidden">Remove filter </span>
              {filter.label}
            </span>
            <span aria-hidden="true">×</span>
          </Link>
        </li>
      ))}
      <li>
        <Link href={clearHref}>Clear all</Link>
      </li>
    </ul>
  );
}
