// The filters in force on a list, as chips: each names one filter ("Status: captured") and links to the same
// list without it (and back on its first page). Reusable by any list whose filters live in its query string.

export interface ActiveFilter {
  key: string;
  value: string;
  /** What the chip says, e.g. "Status: captured". */
  label: string;
  /** The list without this one filter value, from its first page. */
  removeHref: string;
}

/** Query keys that are not filters: paging. */
const NOT_FILTERS = new Set(["after", "before"]);

/**
 * One chip per filter value in `search`, in the query's order. `describe` names a key and value for people,
 * or returns null to leave that pair out (an unknown key, a value the page ignored).
 */
export function activeFilters(
  path: string,
  search: URLSearchParams,
  describe: (key: string, value: string) => string | null,
): ActiveFilter[] {
  const pairs = [...search].filter(([key, value]) => !NOT_FILTERS.has(key) && value !== "");
  const chips: ActiveFilter[] = [];
  pairs.forEach(([key, value], index) => {
    const label = describe(key, value);
    if (label === null) return;
    const rest = new URLSearchParams(pairs.filter((_, other) => other !== index));
    chips.push({ key, value, label, removeHref: rest.size > 0 ? `${path}?${rest}` : path });
  });
  return chips;
}
