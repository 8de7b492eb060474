import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { DataTable } from "../components/DataTable";
import { Pager } from "../components/Pager";
import { MAX_LIMIT, usePaging } from "./usePaging";

const NUMBERS = Array.from({ length: 25 }, (_, i) => ({ n: i + 1, even: (i + 1) % 2 === 0 }));

/** A list the client pages itself, filtered by "even", as a page of the dashboard would write it. */
function Numbers() {
  const paging = usePaging({ pageSize: 10, filters: ["even"] });
  const rows = NUMBERS.filter((r) => !paging.filters.even || String(r.even) === paging.filters.even);
  const page = paging.slice(rows);
  return (
    <>
      <select aria-label="Even" value={paging.filters.even} onChange={(e) => paging.setFilter("even", e.target.value)}>
        <option value="">any</option>
        <option value="true">even</option>
      </select>
      <DataTable label="Numbers" columns={[{ key: "n", header: "N", align: "num", cell: (r) => r.n }]} rows={page} rowKey={(r) => r.n} empty="None." />
      <Pager paging={paging} total={rows.length} shown={page.length} label="numbers" />
      <output data-testid="limit">{paging.limit}</output>
    </>
  );
}

function Frame() {
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <output data-testid="location">{`${location.pathname}${location.search}`}</output>
      <button type="button" onClick={() => navigate("/elsewhere")}>Away</button>
      <button type="button" onClick={() => navigate(-1)}>Back</button>
      <button type="button" onClick={() => navigate(1)}>Forward</button>
    </>
  );
}

function show(route: string) {
  return render(
    <MemoryRouter initialEntries={[route]}>
      <Routes>
        <Route path="/numbers" element={<Numbers />} />
        <Route path="/elsewhere" element={<p>elsewhere</p>} />
      </Routes>
      <Frame />
    </MemoryRouter>,
  );
}

const cells = () => within(screen.getByRole("table", { name: "Numbers" })).getAllByRole("cell").map((c) => c.textContent);
const location = () => screen.getByTestId("location").textContent;

describe("usePaging", () => {
  it("keeps the page in the URL through next, back, forward, leaving and a reload", async () => {
    const view = show("/numbers");
    expect(cells()[0]).toBe("1");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(location()).toBe("/numbers?offset=10");
    expect(cells()[0]).toBe("11");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(cells()).toEqual(["21", "22", "23", "24", "25"]);
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(cells()[0]).toBe("11");
    await userEvent.click(screen.getByRole("button", { name: "Forward" }));
    expect(cells()[0]).toBe("21");

    await userEvent.click(screen.getByRole("button", { name: "Away" }));
    expect(screen.getByText("elsewhere")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(cells()[0]).toBe("21");

    // A reload, or a shared link, starts from the URL alone.
    const url = location() ?? "";
    view.unmount();
    show(url);
    expect(cells()[0]).toBe("21");
    expect(screen.getByTestId("pager-range")).toHaveTextContent("21–25 of 25");
  });

  it("disables Previous on the first page and Next on the last", async () => {
    show("/numbers");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Next" })).toBeEnabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByRole("button", { name: "Previous" })).toBeEnabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(location()).toBe("/numbers");
  });

  it("returns to the first page when a filter changes, without a history entry per change", async () => {
    show("/numbers?offset=10");
    await userEvent.selectOptions(screen.getByLabelText("Even"), "true");
    expect(location()).toBe("/numbers?even=true");
    expect(cells()[0]).toBe("2");
    expect(screen.getByTestId("pager-range")).toHaveTextContent("1–10 of 12");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(location()).toBe("/numbers?even=true&offset=10");
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(location()).toBe("/numbers?even=true");
    // The filter replaced the entry it started from: there is nothing further back.
    await userEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(location()).toBe("/numbers?even=true");
  });

  it("reads a page size from the URL within the API's bounds and ignores offsets that are not counts", () => {
    const view = show("/numbers?limit=5&offset=5");
    expect(cells()).toEqual(["6", "7", "8", "9", "10"]);
    view.unmount();
    const big = show(`/numbers?limit=${MAX_LIMIT + 1}&offset=-3`);
    expect(screen.getByTestId("limit")).toHaveTextContent(String(MAX_LIMIT));
    expect(cells()).toHaveLength(25);
    big.unmount();
    show("/numbers?limit=0&offset=ten");
    expect(screen.getByTestId("limit")).toHaveTextContent("10");
    expect(cells()[0]).toBe("1");
  });

  it("says so when a page has nothing, with both buttons off", () => {
    show("/numbers?even=none");
    expect(screen.getByText("None.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    expect(screen.getByTestId("pager-range")).toHaveTextContent("0 of 0");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });
});
