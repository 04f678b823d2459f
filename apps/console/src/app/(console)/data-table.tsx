// The console's list table: scrolls sideways when wide and turns into one card per row on narrow screens
// (globals.css `table.responsive`), where each cell shows its column's label from `data-label`.
import type { ReactNode } from "react";

export interface Column<Row> {
  label: string;
  /** Right-aligned figures (amounts, quantities), heading and cells alike. */
  amount?: boolean;
  /** A class for the body cells only, such as "mono" for ids. */
  cellClass?: string;
  /**
   * A short column (a mode, a currency code) kept on one line, heading and cells alike: beside wide amounts the
   * table gave it the width of two letters and "JPY" read "JP / Y".
   */
  nowrap?: boolean;
  /** No label above the cell in the card layout (a column of buttons). */
  unlabelled?: boolean;
  cell: (row: Row) => ReactNode;
}

export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  empty,
}: {
  columns: ReadonlyArray<Column<Row> | false>;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** Shown instead of the table when there are no rows; without it an empty table is shown. */
  empty?: string;
}) {
  if (rows.length === 0 && empty !== undefined) return <p className="muted">{empty}</p>;
  const shown = columns.filter((column): column is Column<Row> => column !== false);
  return (
    <div className="scroll-x">
      <table className="responsive">
        <thead>
          <tr>
            {shown.map((column) => (
              <th
                key={column.label}
                scope="col"
                className={column.amount ? "amount" : column.nowrap ? "nowrap" : undefined}
              >
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {shown.map((column) => (
                <td
                  key={column.label}
                  data-label={column.unlabelled ? undefined : column.label}
                  className={
                    column.amount
                      ? "amount"
                      : [column.cellClass, column.nowrap ? "nowrap" : undefined].filter(Boolean).join(" ") ||
                        undefined
                  }
                >
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
