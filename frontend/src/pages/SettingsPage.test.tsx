import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import SettingsPage from "./SettingsPage";

const TARGETS = [
  { index: 0, service: "Telegram", events: null },
  { index: 1, service: "E-Mail", events: ["fill", "daily_summary"] },
];

describe("SettingsPage", () => {
  it("lists each notification target by its service and the events it gets", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/notifications", { body: TARGETS });
    renderApp(<SettingsPage />);
    const telegram = await screen.findByRole("row", { name: /^Telegram/ });
    const mail = screen.getByRole("row", { name: /^E-Mail/ });
    expect(within(telegram).getByText("Telegram")).toBeInTheDocument();
    expect(within(telegram).getByText("all events")).toBeInTheDocument();
    expect(within(mail).getByText("fill, daily_summary")).toBeInTheDocument();
  });

  it("sends a test message to one target and says whether it arrived", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/notifications", { body: TARGETS });
    fake.on("POST /api/notifications/1/test", { body: { index: 1, service: "E-Mail", delivered: false } });
    fake.on("POST /api/notifications/0/test", { body: { index: 0, service: "Telegram", delivered: true } });
    renderApp(<SettingsPage />);
    const telegram = await screen.findByRole("row", { name: /^Telegram/ });
    const mail = screen.getByRole("row", { name: /^E-Mail/ });
    await userEvent.click(within(mail).getByRole("button", { name: "Send a test message" }));
    expect(await within(mail).findByText("Not delivered: see the backend log.")).toBeInTheDocument();
    await userEvent.click(within(telegram).getByRole("button", { name: "Send a test message" }));
    expect(await within(telegram).findByText("Delivered.")).toBeInTheDocument();
    expect(fake.calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([
      "/api/notifications/1/test",
      "/api/notifications/0/test",
    ]);
  });

  it("says when nothing is configured", async () => {
    installFakeApi().on("GET /api/notifications", { body: [] });
    renderApp(<SettingsPage />);
    expect(await screen.findByText("No notification target is configured.")).toBeInTheDocument();
  });

  it("shows the API's error when a test cannot be sent", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/notifications", { body: TARGETS.slice(0, 1) });
    fake.on("POST /api/notifications/0/test", apiError(404, "target_not_found", "index: no notification target 0 is configured."));
    renderApp(<SettingsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Send a test message" }));
    expect(await screen.findByText("index: no notification target 0 is configured.")).toBeInTheDocument();
  });
});
