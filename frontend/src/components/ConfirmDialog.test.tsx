import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./ConfirmDialog";

describe("ConfirmDialog", () => {
  it("starts on Cancel, keeps Tab inside, and Escape cancels", async () => {
    const onCancel = vi.fn();
    render(
      <>
        <button type="button">behind</button>
        <ConfirmDialog title="Sure?" confirmLabel="Do it" onConfirm={() => undefined} onCancel={onCancel}>
          <input aria-label="note" />
        </ConfirmDialog>
      </>,
    );
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole("button", { name: "Do it" })).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByLabelText("note")).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(screen.getByRole("button", { name: "Do it" })).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(onCancel).toHaveBeenCalledOnce();
  });
});
