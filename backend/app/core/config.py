"""Settings from the environment; refuses placeholder secrets outside development."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_TOKEN_SECRET = "changethis-development-only-token-secret"  # noqa: S105
PLACEHOLDERS = frozenset(
    {
        "",
        "changethis",
        "changeme",
        "your_paper_api_key_here",
        "your_paper_secret_key_here",
        DEVELOPMENT_TOKEN_SECRET,
    }
)
MIN_TOKEN_SECRET_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 16
PAPER_BASE_URL = "https://paper-api.alpaca.markets"
LIVE_BASE_URL = "https://api.alpaca.markets"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    debug: bool = False

    database_url: str = (
        "postgresql+asyncpg://trading_bot_user:trading_bot_pass@localhost:5432/trading_bot"
    )
    redis_url: str = "redis://localhost:6379/0"

    admin_username: str = "admin"
    # argon2 hash of the admin password (`python -m app.cli hash-password`); in development an
    # unset hash means the password "changethis".
    admin_password_hash: str | None = None
    token_secret: str = DEVELOPMENT_TOKEN_SECRET  # refused in production
    token_ttl_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 30)] = 12 * 60
    login_attempts_per_minute: Annotated[int, Field(ge=1, le=1000)] = 5
    max_request_bytes: Annotated[int, Field(ge=1024)] = 8 * 1024 * 1024

    alpaca_api_key: str | None = None
    alpaca_secret_key: str | None = None
    alpaca_base_url: str = PAPER_BASE_URL
    # Live trading needs this flag AND a live ALPACA_BASE_URL: a single setting never risks money.
    alpaca_live_trading: bool = False

    health_timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 1.0
    # /api/health reuses its dependency checks this long (0: probe on every request).
    health_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0

    # --- Live engine, market data and the simulated market ---
    alpaca_data_feed: Literal["iex", "sip"] = "iex"
    # None: start trading on boot, except in the test environment (tests start engines themselves).
    engine_autostart: bool | None = None
    engine_timeframe: str = "1Min"
    engine_window_bars: Annotated[int, Field(ge=10, le=5000)] = 300
    engine_lock_ttl_seconds: Annotated[float, Field(gt=0.5, le=300)] = 15.0
    engine_poll_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    engine_reconcile_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0
    engine_equity_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    # On first start with no strategy instances, create enabled ones for these symbols.
    engine_seed_symbols: str = "SIMA,SIMB"
    sim_seed: int = 42
    sim_speed: Annotated[float, Field(ge=0, le=100_000)] = 60.0  # bar-time seconds per second
    sim_initial_cash: Annotated[float, Field(gt=0)] = 100_000.0
    sim_slippage_bps: Annotated[float, Field(ge=0, le=1000)] = 5.0
    sim_commission_per_share: Annotated[float, Field(ge=0)] = 0.0
    sim_csv_path: str | None = None  # replay this CSV instead of the simulated market

    # --- Metrics and alerts ---
    # Bearer token for GET /api/metrics; unset: only loopback clients may scrape.
    metrics_token: str | None = None
    alert_webhook_url: str | None = None  # POST a JSON alert here on kills, halts and outages
    alert_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 3.0
    alert_broker_failures: Annotated[int, Field(ge=1)] = 5  # broker unavailable this often in a row
    alert_stale_bars: Annotated[int, Field(ge=1)] = 3  # no bar for this many bar intervals

    @property
    def engine_autostarts(self) -> bool:
        if self.engine_autostart is None:
            return self.environment != "test"
        return self.engine_autostart

    @property
    def seed_symbols(self) -> list[str]:
        return [s.strip().upper() for s in self.engine_seed_symbols.split(",") if s.strip()]

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("postgresql+asyncpg://", "postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// or postgresql+asyncpg:// URL")
        rest = value.split("://", 1)[1]
        return f"postgresql+asyncpg://{rest}"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @property
    def alpaca_configured(self) -> bool:
        return bool(self.alpaca_api_key and self.alpaca_secret_key)

    @property
    def is_live_trading(self) -> bool:
        return self.alpaca_live_trading and self.alpaca_base_url.rstrip("/") == LIVE_BASE_URL

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Self:
        if self.environment != "production":
            return self
        problems: list[str] = []
        if self.token_secret in PLACEHOLDERS:
            problems.append("TOKEN_SECRET is a placeholder or empty")
        elif len(self.token_secret) < MIN_TOKEN_SECRET_LENGTH:
            problems.append(f"TOKEN_SECRET is shorter than {MIN_TOKEN_SECRET_LENGTH} characters")
        if not self.admin_password_hash or self.admin_password_hash in PLACEHOLDERS:
            problems.append(
                "ADMIN_PASSWORD_HASH is missing (make one with `python -m app.cli hash-password`)"
            )
        elif not self.admin_password_hash.startswith("$argon2"):
            problems.append("ADMIN_PASSWORD_HASH is not an argon2 hash")
        for name in ("alpaca_api_key", "alpaca_secret_key"):
            value = getattr(self, name)
            if value is not None and value in PLACEHOLDERS:
                problems.append(f"{name.upper()} is a placeholder")
        if self.metrics_token is not None and (
            self.metrics_token in PLACEHOLDERS or len(self.metrics_token) < MIN_METRICS_TOKEN_LENGTH
        ):
            shortest = MIN_METRICS_TOKEN_LENGTH
            problems.append(f"METRICS_TOKEN is a placeholder or shorter than {shortest} characters")
        if self.alpaca_api_key is None and self.alpaca_secret_key is not None:
            problems.append("ALPACA_SECRET_KEY is set but ALPACA_API_KEY is not")
        if self.alpaca_secret_key is None and self.alpaca_api_key is not None:
            problems.append("ALPACA_API_KEY is set but ALPACA_SECRET_KEY is not")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def describe_error(error: ValidationError) -> str:
    """One line naming each bad variable, for people reading a container log."""
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def load_settings_or_exit() -> Settings:
    """Stop the process with one readable line instead of a traceback when config is wrong."""
    try:
        return get_settings()
    except ValidationError as error:
        print(f"configuration error: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None
