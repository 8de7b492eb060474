import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { resetSchemas } from "../api/schemas";
import { apiError, installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import RiskPage from "./RiskPage";

const RiskSettings = {
  type: "object",
  properties: {
    sizing: { type: "string", enum: ["atr_risk", "all_in"], title: "Sizing", default: "atr_risk" },
    max_position_pct: { type: "number", exclusiveMinimum: 0, maximum: 1, title: "Max Position Pct", description: "Largest position" },
    take_profit_multiple: { anyOf: [{ type: "number", exclusiveMinimum: 0, maximum: 50 }, { type: "null" }], title: "Take Profit Multiple" },
    market_hours: { type: "boolean", title: "Market Hours" },
  },
};

function backend() {
  const fake = installFakeApi();
  fake.on("GET /api/openapi.json", { body: { components: { schemas: { RiskSettings } } } });
  fake.on("GET /api/risk", { body: { sizing: "atr_risk", max_position_pct: 0.2, take_profit_multiple: 2, market_hours: true } });
  return fake;
}

afterEach(resetSchemas);

describe("RiskPage", () => {
  it("builds the form from the API's schema: enums as choices, bounds as hints, booleans as checkboxes", async () => {
    backend();
    renderApp(<RiskPage />);
    expect(await screen.findByLabelText("Sizing")).toHaveValue("atr_risk");
    expect(screen.getByLabelText("Max Position Pct")).toHaveAccessibleDescription("Largest position · > 0 and ≤ 1");
    expect(screen.getByLabelText("Market Hours")).toBeChecked();
    expect(screen.getByLabelText("Take Profit Multiple")).toHaveAccessibleDescription("> 0 and ≤ 50 · empty = none");
  });

  it("checks bounds before sending and sends an emptied optional field as null", async () => {
    const fake = backend();
    fake.on("PUT /api/risk", ({ body }) => ({ body }));
    renderApp(<RiskPage />);
    const pct = await screen.findByLabelText("Max Position Pct");
    await userEvent.clear(pct);
    await userEvent.type(pct, "5");
    await userEvent.click(screen.getByRole("button", { name: "Save risk settings" }));
    expect(screen.getByText("Max Position Pct must be at most 1")).toBeInTheDocument();
    expect(fake.calls.some((c) => c.method === "PUT")).toBe(false);

    await userEvent.clear(pct);
    await userEvent.type(pct, "0.25");
    await userEvent.clear(screen.getByLabelText("Take Profit Multiple"));
    await userEvent.click(screen.getByLabelText("Market Hours"));
    await userEvent.click(screen.getByRole("button", { name: "Save risk settings" }));
    expect(await screen.findByText(/^Saved\./)).toBeInTheDocument();
    expect(fake.calls.at(-1)?.body).toEqual({ sizing: "atr_risk", max_position_pct: 0.25, take_profit_multiple: null, market_hours: false });
  });

  it("shows the API's validation message under the field it names", async () => {
    const fake = backend();
    fake.on("PUT /api/risk", apiError(422, "validation_error", "Invalid", [{ field: "sizing", message: "Input should be 'atr_risk' or 'all_in'" }]));
    renderApp(<RiskPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Save risk settings" }));
    expect(await screen.findByText("Input should be 'atr_risk' or 'all_in'")).toBeInTheDocument();
    expect(screen.getByLabelText("Sizing")).toHaveAttribute("aria-invalid", "true");
  });
});
