import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { StrategyOut, StrategyInstance } from "../api/types";
import { apiError, installFakeApi } from "../test/fakeApi";
import { anInstance } from "../test/fixtures";
import { renderApp } from "../test/render";
import StrategiesPage from "./StrategiesPage";

const sma: StrategyOut = {
  name: "sma_crossover",
  title: "SMA crossover",
  description: "Buys when the fast average crosses above the slow one",
  params_schema: {
    type: "object",
    properties: {
      fast: { type: "integer", title: "Fast period", minimum: 2, maximum: 50, default: 10 },
      slow: { type: "integer", title: "Slow period", minimum: 5, maximum: 200, default: 30 },
    },
    required: ["fast", "slow"],
  },
};

function backend(instances: StrategyInstance[] = []) {
  const fake = installFakeApi();
  const list = [...instances];
  fake.on("GET /api/strategies", { body: [sma] });
  fake.on("GET /api/strategies/instances", () => ({ body: list }));
  fake.on("POST /api/strategies/instances", ({ body }) => {
    const created = anInstance({ id: list.length + 1, ...(body as object) });
    list.push(created);
    return { status: 201, body: created };
  });
  return { fake, list };
}

describe("StrategiesPage", () => {
  it("shows the strategy files the backend left out, with file, line and reason", async () => {
    const { fake } = backend();
    fake.on("GET /api/strategies/problems", {
      body: [{ file: "/strategies/mine.py", line: 12, reason: "syntax error: invalid syntax" }],
    });
    renderApp(<StrategiesPage />);
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Strategy files left out")).toBeInTheDocument();
    expect(alert).toHaveTextContent("/strategies/mine.py:12 syntax error: invalid syntax");
    expect(await screen.findByLabelText("Fast period")).toBeInTheDocument();
  });

  it("builds the parameter form from the schema, with defaults and bounds", async () => {
    backend();
    renderApp(<StrategiesPage />);
    const fast = await screen.findByLabelText("Fast period");
    expect(fast).toHaveValue(10);
    expect(fast).toHaveAttribute("min", "2");
    expect(fast).toHaveAttribute("max", "50");
    expect(fast).toHaveAccessibleDescription("≥ 2 and ≤ 50");
  });

  it("refuses out-of-bounds parameters before sending", async () => {
    const { fake } = backend();
    renderApp(<StrategiesPage />);
    await userEvent.type(await screen.findByLabelText("Symbol"), "AAPL");
    const fast = screen.getByLabelText("Fast period");
    await userEvent.clear(fast);
    await userEvent.type(fast, "1");
    await userEvent.click(screen.getByRole("button", { name: "Add strategy" }));
    expect(screen.getByText("Fast period must be at least 2")).toBeInTheDocument();
    expect(fake.calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("adds an instance with typed params and lists it", async () => {
    const { fake } = backend();
    renderApp(<StrategiesPage />);
    await userEvent.type(await screen.findByLabelText("Symbol"), "msft");
    await userEvent.click(screen.getByLabelText("Enable right away"));
    await userEvent.click(screen.getByRole("button", { name: "Add strategy" }));
    expect(await screen.findByTestId("instance-MSFT-sma_crossover")).toHaveTextContent("fast=10, slow=30");
    expect(fake.calls.find((c) => c.method === "POST")?.body).toEqual({
      strategy: "sma_crossover",
      symbol: "MSFT",
      params: { fast: 10, slow: 30 },
      enabled: true,
      allow_short: false,
    });
  });

  it("shows the API's parameter error under that parameter", async () => {
    const { fake } = backend();
    fake.on(
      "POST /api/strategies/instances",
      apiError(422, "validation_error", "Invalid", [{ field: "params.slow", message: "slow must be greater than fast" }]),
    );
    renderApp(<StrategiesPage />);
    await userEvent.type(await screen.findByLabelText("Symbol"), "AAPL");
    await userEvent.click(screen.getByRole("button", { name: "Add strategy" }));
    expect(await screen.findByText("slow must be greater than fast")).toBeInTheDocument();
    expect(screen.getByLabelText("Slow period")).toHaveAttribute("aria-invalid", "true");
  });

  it("enables a disabled instance", async () => {
    const { fake, list } = backend([anInstance({ id: 4, symbol: "AAPL", enabled: false })]);
    fake.on("PATCH /api/strategies/instances/4", ({ body }) => {
      Object.assign(list[0] as object, body as object);
      return { body: list[0] };
    });
    renderApp(<StrategiesPage />);
    const row = await screen.findByTestId("instance-AAPL-sma_crossover");
    await userEvent.click(within(row).getByRole("button", { name: "Enable sma_crossover on AAPL" }));
    await waitFor(() => expect(within(row).getByText("enabled")).toBeInTheDocument());
    expect(fake.calls.find((c) => c.method === "PATCH")?.body).toEqual({ enabled: true });
  });
});
