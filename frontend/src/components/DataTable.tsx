/**
 * Every list of the dashboard as one table, described by its columns: header, cell, alignment.
 * Own code: a map over column definitions; a table library would bring sorting and state no list here uses.
 */
import type { HTMLAttributes, Key, ReactNode } from "react";

export interface Column<T> {
  /** Unique among the table's columns. */
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** "num" right-aligns figures, header included. */
  align?: "num";
  /** Classes of the cell, e.g. "muted", "wrap", or a trend that depends on the row. */
  className?: string | ((row: T) => string | undefined);
}

export interface DataTableProps<T> {
  /** The table's accessible name. */
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, index: number) => Key;
  /** Attributes of a row: a test id, a class, an animation handler. */
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & { "data-testid"?: string };
  /** Shown instead of the table when there are no rows. */
  empty: ReactNode;
  footer?: ReactNode;
  className?: string;
}

const classes = (...names: (string | undefined)[]) => names.filter(Boolean).join(" ") || undefined;

export function DataTable<T>({ label, columns, rows, rowKey, rowProps, empty, footer, className }: DataTableProps<T>) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table aria-label={label} className={className}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.align}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)} {...rowProps?.(row)}>
              {columns.map((c) => (
                <td key={c.key} className={classes(c.align, typeof c.className === "function" ? c.className(row) : c.className)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {footer && <tfoot>{footer}</tfoot>}
      </table>
    </div>
  );
}
