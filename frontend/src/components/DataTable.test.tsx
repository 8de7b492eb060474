import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DataTable, type Column } from "./DataTable";

interface Row {
  id: number;
  name: string;
  pnl: number;
}

const COLUMNS: Column<Row>[] = [
  { key: "name", header: "Name", cell: (r) => <strong>{r.name}</strong> },
  { key: "pnl", header: "P&L", align: "num", className: (r) => (r.pnl < 0 ? "down" : "up"), cell: (r) => r.pnl.toFixed(2) },
];

describe("DataTable", () => {
  it("draws one header per column and one cell per column and row, with alignment and row classes", () => {
    render(
      <DataTable
        label="Rows"
        columns={COLUMNS}
        rows={[
          { id: 1, name: "a", pnl: 1.5 },
          { id: 2, name: "b", pnl: -2 },
        ]}
        rowKey={(r) => r.id}
        rowProps={(r) => ({ "data-testid": `row-${r.id}` })}
        empty="Nothing."
        footer={
          <tr>
            <td>Total</td>
            <td>-0.50</td>
          </tr>
        }
      />,
    );
    const table = screen.getByRole("table", { name: "Rows" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "P&L"]);
    expect(screen.getByRole("columnheader", { name: "P&L" })).toHaveClass("num");
    const second = within(screen.getByTestId("row-2")).getAllByRole("cell");
    expect(second.map((c) => c.textContent)).toEqual(["b", "-2.00"]);
    expect(second[1]).toHaveClass("num", "down");
    expect(within(screen.getByTestId("row-1")).getAllByRole("cell")[1]).toHaveClass("num", "up");
    expect(screen.getByRole("row", { name: /Total/ })).toBeInTheDocument();
    expect(screen.queryByText("Nothing.")).not.toBeInTheDocument();
  });

  it("shows its empty message instead of a table without rows", () => {
    render(<DataTable label="Rows" columns={COLUMNS} rows={[]} rowKey={(r) => r.id} empty="Nothing." />);
    expect(screen.getByText("Nothing.")).toHaveClass("empty");
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });
});
