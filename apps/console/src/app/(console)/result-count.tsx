// How many rows a list holds in all pages, as one sentence above the list: "1,234 payments match these filters."
// Counts are bounded by their queries (10,000 at most), so a capped count reads "10,000+".
export function ResultCount({
  count,
  capped,
  singular,
  plural,
  qualifier = "",
}: {
  count: number;
  /** The count stopped at its cap: at least that many. */
  capped: boolean;
  /** The words after the number for exactly one ("payment matches"), and for any other count. */
  singular: string;
  plural: string;
  /** Words after the noun, with their leading space (" these filters"). */
  qualifier?: string;
}) {
  return (
    <p data-testid="result-count">
      <strong>
        {count.toLocaleString("en-US")}
        {capped ? "+" : ""}
      </strong>{" "}
      {count === 1 && !capped ? singular : plural}
      {qualifier}.
    </p>
  );
}
