/** Sign in; afterwards go back to the page that asked for it. */
import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import type { ApiError } from "../api/errors";
import { useAuth } from "../auth/AuthContext";
import { safeNext } from "../auth/session";
import { ErrorMessage } from "../components/ErrorMessage";
import { asApiError } from "../hooks/useResource";

export default function LoginPage() {
  const { session, login, endedBecause } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Asked for once the API says the admin has a second factor (TOTP) on.
  const [otp, setOtp] = useState("");
  const [needsOtp, setNeedsOtp] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  if (session) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password, needsOtp ? otp : undefined);
      navigate(next, { replace: true });
    } catch (err) {
      const apiError = asApiError(err);
      if (apiError.code === "invalid_otp") setNeedsOtp(true);
      setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  const fields = error?.fieldErrors() ?? {};
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <h1 id="login-title">Trading Bot</h1>
        <p className="muted">Sign in to watch and steer the bot.</p>
        {endedBecause === "expired" && (
          <p className="notice" role="status">
            Your session expired. Sign in again to continue.
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-invalid={Boolean(fields.username)}
          aria-describedby={fields.username ? "username-error" : undefined}
          required
          autoFocus
        />
        {fields.username && (
          <span className="field-error" id="username-error">
            {fields.username}
          </span>
        )}
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={Boolean(fields.password)}
          aria-describedby={fields.password ? "password-error" : undefined}
          required
        />
        {fields.password && (
          <span className="field-error" id="password-error">
            {fields.password}
          </span>
        )}
        {needsOtp && (
          <>
            <label htmlFor="otp">One-time code</label>
            <input
              id="otp"
              name="otp"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              value={otp}
              onChange={(e) => setOtp(e.target.value.trim())}
              aria-invalid={Boolean(fields.otp)}
              required
            />
          </>
        )}
        <ErrorMessage error={error && Object.keys(fields).length === 0 ? error : null} />
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
