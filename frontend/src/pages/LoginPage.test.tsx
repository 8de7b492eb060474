import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { AuthProvider } from "../auth/AuthContext";
import { loadSession } from "../auth/session";
import { apiError, installFakeApi } from "../test/fakeApi";
import LoginPage from "./LoginPage";

function renderLogin(route = "/login") {
  return render(
    <MemoryRouter initialEntries={[route]}>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/orders" element={<p>orders screen</p>} />
          <Route path="/" element={<p>overview screen</p>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

describe("LoginPage", () => {
  it("signs in, stores the session and returns to the remembered page", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/auth/login", {
      body: { access_token: "tok", token_type: "bearer", expires_at: new Date(Date.now() + 60_000).toISOString() },
    });
    renderLogin("/login?next=%2Forders");
    await userEvent.type(screen.getByLabelText("Username"), "admin");
    await userEvent.type(screen.getByLabelText("Password"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("orders screen")).toBeInTheDocument();
    expect(fake.calls[0]?.body).toEqual({ username: "admin", password: "secret" });
    expect(loadSession()?.token).toBe("tok");
  });

  it("asks for the one-time code when the admin has TOTP on, and sends it", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/auth/login", apiError(401, "invalid_otp", "The one-time code is missing, wrong or already used."));
    renderLogin();
    expect(screen.queryByLabelText("One-time code")).toBeNull();
    await userEvent.type(screen.getByLabelText("Username"), "admin");
    await userEvent.type(screen.getByLabelText("Password"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.type(await screen.findByLabelText("One-time code"), "123456");
    fake.on("POST /api/auth/login", {
      body: { access_token: "tok", token_type: "bearer", expires_at: new Date(Date.now() + 60_000).toISOString() },
    });
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("overview screen")).toBeInTheDocument();
    expect(fake.calls[1]?.body).toEqual({ username: "admin", password: "secret", otp: "123456" });
  });

  it("shows the API's message on bad credentials and stays on the page", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/auth/login", apiError(401, "invalid_credentials", "Wrong username or password"));
    renderLogin();
    await userEvent.type(screen.getByLabelText("Username"), "admin");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong username or password");
    expect(loadSession()).toBeNull();
  });

  it("puts a validation message next to the field it names", async () => {
    const fake = installFakeApi();
    fake.refuses(
      "POST /api/auth/login",
      apiError(422, "validation_error", "Invalid request", [{ field: "password", message: "Field required" }]),
    );
    renderLogin();
    await userEvent.type(screen.getByLabelText("Username"), "admin");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Field required")).toBeInTheDocument();
    expect(screen.getByLabelText("Password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Field required");
  });

  it("says how long to wait after too many failed logins", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/auth/login", {
      status: 429,
      body: { error: { code: "too_many_attempts", message: "Too many failed logins" } },
      headers: { "Retry-After": "60" },
    });
    renderLogin();
    await userEvent.type(screen.getByLabelText("Username"), "admin");
    await userEvent.type(screen.getByLabelText("Password"), "x");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many failed logins Try again in 60 s.");
  });
});
