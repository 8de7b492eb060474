import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import RiskPage, { fromDraft } from "./RiskPage";

describe("fromDraft", () => {
  it("keeps numbers numeric and empty as null", () => {
    expect(fromDraft({ max_position_pct: "0.2", daily_loss_limit: "", shorting: true }, { max_position_pct: 0.1, daily_loss_limit: 500, shorting: false })).toEqual({
      max_position_pct: 0.2,
      daily_loss_limit: null,
      shorting: true,
    });
  });
});

describe("RiskPage", () => {
  it("saves settings and shows the API's validation message under the field", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/risk", { body: { max_position_pct: 0.1, allow_short: false } });
    fake.on("PUT /api/risk", ({ body }) =>
      (body as { max_position_pct: number }).max_position_pct > 1
        ? apiError(422, "validation_error", "Invalid", [{ field: "max_position_pct", message: "Input should be less than or equal to 1" }])
        : { body },
    );
    renderApp(<RiskPage />);
    const input = await screen.findByLabelText("Max position %");
    await userEvent.clear(input);
    await userEvent.type(input, "5");
    await userEvent.click(screen.getByRole("button", { name: "Save risk settings" }));
    expect(await screen.findByText("Input should be less than or equal to 1")).toBeInTheDocument();
    expect(input).toHaveAttribute("aria-invalid", "true");

    await userEvent.clear(input);
    await userEvent.type(input, "0.25");
    await userEvent.click(screen.getByRole("button", { name: "Save risk settings" }));
    expect(await screen.findByText(/Saved\./)).toBeInTheDocument();
    expect(fake.calls.at(-1)?.body).toEqual({ max_position_pct: 0.25, allow_short: false });
  });
});
