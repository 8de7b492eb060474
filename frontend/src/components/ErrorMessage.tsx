/** Shows an API error's own message; network failures and load errors get a retry button. */
import type { ApiError } from "../api/errors";

export function ErrorMessage({ error, onRetry, id }: { error: ApiError | null; onRetry?: () => void; id?: string }) {
  if (!error) return null;
  const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
  return (
    <div className="error" role="alert" id={id}>
      <span>
        {error.message}
        {wait}
      </span>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
