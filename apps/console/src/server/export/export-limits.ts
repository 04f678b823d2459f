/** The most rows one CSV export writes (the list pages say so next to their export link; docs/operations.md). */
export const CSV_EXPORT_MAX_ROWS = 50_000;
