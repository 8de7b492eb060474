import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { installFakeApi } from "../test/fakeApi";
import { anAuditEntry } from "../test/fixtures";
import { renderApp } from "../test/render";
import AuditPage, { changes } from "./AuditPage";

describe("AuditPage", () => {
  it("lists a created thing's fields and a changed thing's differences", () => {
    expect(changes(anAuditEntry({ after: { symbol: "SIMA", qty: 25, stop_price: null } }))).toBe("symbol=SIMA, qty=25");
    expect(changes(anAuditEntry({ before: { enabled: false, n: 1 }, after: { enabled: true, n: 1 } }))).toBe(
      "enabled: false → true",
    );
  });

  it("lists entries with who did what", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/audit", {
      body: { items: [anAuditEntry({ message: "flatten=true" })], total: 1, limit: 100, offset: 0 },
    });
    renderApp(<AuditPage />);
    expect(await screen.findByText("engine.kill")).toBeInTheDocument();
    expect(screen.getByText("admin")).toBeInTheDocument();
    expect(screen.getByText("flatten=true")).toBeInTheDocument();
  });

  it("filters by action on the server", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/audit", ({ url }) => ({
      body: { items: url.searchParams.get("action") === "order_create" ? [] : [anAuditEntry()], total: 1, limit: 100, offset: 0 },
    }));
    renderApp(<AuditPage />);
    await screen.findByText("engine.kill");
    await userEvent.type(screen.getByLabelText("Action"), "order_create");
    expect(await screen.findByText("Nothing recorded yet.")).toBeInTheDocument();
    expect(fake.calls.at(-1)?.path).toBe("/api/audit");
  });

  it("asks the API for the page in the URL and pages older entries as new history entries", async () => {
    const fake = installFakeApi();
    const entries = Array.from({ length: 5 }, (_, i) => anAuditEntry({ id: i + 1, action: `action-${i + 1}` }));
    const asked: URLSearchParams[] = [];
    fake.on("GET /api/audit", ({ url }) => {
      asked.push(url.searchParams);
      const [limit, offset] = [Number(url.searchParams.get("limit")), Number(url.searchParams.get("offset"))];
      return { body: { items: entries.slice(offset, offset + limit), total: entries.length, limit, offset } };
    });
    renderApp(<AuditPage />, { route: "/?limit=2&offset=2&actor=admin" });
    expect(await screen.findByText("action-3")).toBeInTheDocument();
    expect(screen.getByTestId("pager-range")).toHaveTextContent("3–4 of 5");
    expect(Object.fromEntries(asked.at(-1) ?? [])).toEqual({ actor: "admin", limit: "2", offset: "2" });
    expect(screen.getByLabelText("Who")).toHaveValue("admin");
    await userEvent.click(screen.getByRole("button", { name: "Older" }));
    expect(await screen.findByText("action-5")).toBeInTheDocument();
    expect(screen.getByTestId("location")).toHaveTextContent("offset=4");
    expect(asked.at(-1)?.get("offset")).toBe("4");
    expect(screen.getByRole("button", { name: "Older" })).toBeDisabled();
  });

  it("keeps describing the rows on screen while the next page loads", async () => {
    const fake = installFakeApi();
    const entries = Array.from({ length: 5 }, (_, i) => anAuditEntry({ id: i + 1, action: `action-${i + 1}` }));
    let release: () => void = () => undefined;
    fake.on("GET /api/audit", async ({ url }) => {
      const [limit, offset] = [Number(url.searchParams.get("limit")), Number(url.searchParams.get("offset"))];
      if (offset > 0) await new Promise<void>((resolve) => (release = resolve));
      return { body: { items: entries.slice(offset, offset + limit), total: entries.length, limit, offset } };
    });
    renderApp(<AuditPage />, { route: "/?limit=2" });
    await screen.findByText("action-1");
    await userEvent.click(screen.getByRole("button", { name: "Older" }));
    expect(screen.getByTestId("location")).toHaveTextContent("offset=2");
    expect(screen.getByText("action-1")).toBeInTheDocument();
    expect(screen.getByTestId("pager-range")).toHaveTextContent("1–2 of 5");
    act(() => release());
    expect(await screen.findByText("action-3")).toBeInTheDocument();
    expect(screen.getByTestId("pager-range")).toHaveTextContent("3–4 of 5");
  });
});
