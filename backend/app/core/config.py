"""Settings from the environment; refuses placeholder secrets outside development."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import pyotp
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# Bounds of ALPACA_REQUEST_BUDGET: at least a tenth of Alpaca's request limit is left for orders.
REQUEST_BUDGET_MIN, REQUEST_BUDGET_MAX = 0.05, 0.9
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
MIN_TOTP_SECRET_LENGTH = 16
PAPER_BASE_URL = "https://paper-api.alpaca.markets"
LIVE_BASE_URL = "https://api.alpaca.markets"


class NotifyTargetConfig(BaseModel):
    """One notification target: an Apprise URL and the events it wants (None: all of them)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=3)
    events: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_url(cls, value: object) -> object:
        return {"url": value} if isinstance(value, str) else value


class SecretFileError(ValueError):
    """A *_FILE setting names a file that cannot be read, or clashes with the plain variable."""


class FileSettingsSource(PydanticBaseSettingsSource):
    """NAME_FILE names a file holding NAME's value (a mounted secret), as the official Docker
    images read POSTGRES_PASSWORD_FILE (pydantic-settings' secrets_dir wants fixed file names)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every field at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            variable = f"{name.upper()}_FILE"
            path = os.environ.get(variable)
            if not path:
                continue
            if os.environ.get(name.upper()):
                raise SecretFileError(f"both {name.upper()} and {variable} are set; keep one")
            try:
                text = Path(path).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                raise SecretFileError(f"{variable}: cannot read {path}: {error}") from None
            field = self.settings_cls.model_fields[name]
            complex_value = self.field_is_complex(field)
            try:  # a list or mapping (NOTIFY_URLS) is JSON, as in the environment
                values[name] = (
                    self.decode_complex_value(name, field, text) if complex_value else text
                )
            except ValueError as error:
                raise SecretFileError(f"{variable}: {path} does not hold JSON: {error}") from None
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            FileSettingsSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

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
    # Failed logins of one user name from one address before it must wait LOGIN_LOCKOUT_SECONDS,
    # doubling with each further failure up to LOGIN_LOCKOUT_MAX_SECONDS; other addresses log in.
    login_attempts_per_minute: Annotated[int, Field(ge=1, le=1000)] = 5
    login_lockout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    login_lockout_max_seconds: Annotated[float, Field(gt=0, le=86_400)] = 3600.0
    # Base32 secret of the admin's TOTP second factor; unset: the password alone.
    admin_totp_secret: str | None = None
    max_request_bytes: Annotated[int, Field(ge=1024)] = 8 * 1024 * 1024
    # JSON bodies are checked before parsing: size, then nesting of arrays and objects.
    max_json_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024
    max_json_depth: Annotated[int, Field(ge=4, le=500)] = 32

    alpaca_api_key: str | None = None
    alpaca_secret_key: str | None = None
    alpaca_base_url: str = PAPER_BASE_URL
    # Live trading needs this flag AND a live ALPACA_BASE_URL: a single setting never risks money.
    alpaca_live_trading: bool = False
    # Share of Alpaca's 200 requests a minute per key that reads (polling, reconciliation,
    # equity, look-ups) may spend; orders and cancels never wait and keep the rest.
    alpaca_request_budget: Annotated[float, Field(ge=REQUEST_BUDGET_MIN, le=REQUEST_BUDGET_MAX)] = (
        0.5
    )

    health_timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 1.0
    # /api/health reuses its dependency checks this long (0: probe on every request).
    health_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0

    # --- Live engine, market data and the simulated market ---
    alpaca_data_feed: Literal["iex", "sip"] = "iex"
    # Historical bars API; None means alpaca-py's default (https://data.alpaca.markets).
    alpaca_data_url: str | None = None
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
    # Largest share of a bar's volume one order takes on the simulated exchange (0.1 = 10%);
    # the rest fills on later bars. Unset: orders fill whole (MarketConfig.max_volume_share).
    sim_max_volume_share: Annotated[float | None, Field(gt=0, le=1)] = None
    sim_csv_path: str | None = None  # replay this CSV instead of the simulated market
    # Directory of the user's own strategy files (*.py), loaded at start; unset: built-ins only.
    strategies_dir: str | None = None

    # --- Metrics and alerts ---
    # Bearer token for GET /api/metrics; unset: only loopback clients may scrape.
    metrics_token: str | None = None
    alert_webhook_url: str | None = None  # POST a JSON alert here on kills, halts and outages
    alert_broker_failures: Annotated[int, Field(ge=1)] = 5  # broker unavailable this often in a row
    alert_stale_bars: Annotated[int, Field(ge=1)] = 3  # no bar for this many bar intervals

    # --- Notifications (Apprise URLs) and the Telegram command bot ---
    # JSON list; each item an Apprise URL, or {"url": ..., "events": [...]} for some events only.
    notify_urls: list[NotifyTargetConfig] = []
    notify_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    notify_per_minute: Annotated[int, Field(ge=1, le=600)] = 10  # per URL; the rest folded
    notify_queue_size: Annotated[int, Field(ge=1, le=100_000)] = 200  # per URL
    notify_retries: Annotated[int, Field(ge=0, le=10)] = 3
    notify_backoff_seconds: Annotated[float, Field(ge=0, le=600)] = 2.0  # doubles per retry
    dashboard_url: str = "http://127.0.0.1:3000"  # messages link to pages under it
    telegram_bot_token: str | None = None
    telegram_chat_ids: str = ""  # comma-separated chats allowed to command the bot
    telegram_base_url: str = "https://api.telegram.org/bot"

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

    @field_validator("admin_totp_secret")
    @classmethod
    def _totp_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            pyotp.TOTP(value).now()
        except (ValueError, TypeError):
            raise ValueError("must be a base32 secret (`python -m app.cli totp-secret`)") from None
        if len(value) < MIN_TOTP_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_TOTP_SECRET_LENGTH} base32 characters")
        return value

    @property
    def telegram_chats(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.telegram_chat_ids.replace(" ", "").split(",") if c)

    @field_validator("telegram_chat_ids")
    @classmethod
    def _chat_ids(cls, value: str) -> str:
        for chat in value.replace(" ", "").split(","):
            if chat and not chat.lstrip("-").isdigit():
                raise ValueError(f"chat id {chat!r} is not a number")
        return value

    @property
    def alpaca_configured(self) -> bool:
        return bool(self.alpaca_api_key and self.alpaca_secret_key)

    @property
    def is_live_trading(self) -> bool:
        return self.alpaca_live_trading and self.alpaca_base_url.rstrip("/") == LIVE_BASE_URL

    @model_validator(mode="after")
    def _telegram_needs_chats(self) -> Self:
        if self.telegram_bot_token and not self.telegram_chats:
            raise ValueError(
                "TELEGRAM_CHAT_IDS is empty: name the chats allowed to command the bot"
            )
        return self

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
    except SecretFileError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
