import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.brokers.sim import SimBroker
from app.core.config import SecretFileError, Settings, describe_error
from app.core.security import hash_password
from app.engine.wiring import build_venue
from tests.conftest import BACKEND_DIR

GOOD_SECRET = "x" * 40


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "token_secret": GOOD_SECRET,
        "admin_password_hash": hash_password("a long enough password"),
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_production_accepts_real_secrets_and_no_alpaca_keys() -> None:
    settings = production()
    assert not settings.alpaca_configured


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"token_secret": "changethis"}, "TOKEN_SECRET is a placeholder"),
        ({"token_secret": "short-secret"}, "TOKEN_SECRET is shorter than 32"),
        ({"admin_password_hash": None}, "ADMIN_PASSWORD_HASH is missing"),
        ({"admin_password_hash": "plain"}, "ADMIN_PASSWORD_HASH is not an argon2 hash"),
        (
            {"alpaca_api_key": "your_paper_api_key_here", "alpaca_secret_key": "s" * 20},
            "ALPACA_API_KEY is a placeholder",
        ),
        ({"alpaca_api_key": "k" * 20}, "ALPACA_API_KEY is set but ALPACA_SECRET_KEY is not"),
    ],
)
def test_production_refuses_placeholders(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        production(**overrides)
    assert named in describe_error(caught.value)


def test_development_allows_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment == "development"
    assert settings.admin_password_hash is None


def test_bad_url_names_the_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url="mysql://db/x", _env_file=None)  # type: ignore[call-arg]
    assert describe_error(caught.value).startswith("DATABASE_URL: must be a postgresql")


def test_the_volume_cap_of_the_simulated_exchange_is_checked_and_reaches_it() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(sim_max_volume_share=2, _env_file=None)  # type: ignore[call-arg]
    assert describe_error(caught.value).startswith("SIM_MAX_VOLUME_SHARE:")
    venue = build_venue(Settings(sim_max_volume_share=0.25, _env_file=None))  # type: ignore[call-arg]
    assert isinstance(venue.broker, SimBroker)
    assert venue.broker.config.max_volume_share == 0.25


def test_plain_postgres_url_gets_the_async_driver() -> None:
    settings = Settings(database_url="postgresql://u:p@h:5432/d", _env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+asyncpg://u:p@h:5432/d"


def test_live_trading_needs_flag_and_live_url() -> None:
    assert not production(alpaca_base_url="https://api.alpaca.markets").is_live_trading
    assert not production(alpaca_live_trading=True).is_live_trading
    assert production(
        alpaca_live_trading=True, alpaca_base_url="https://api.alpaca.markets"
    ).is_live_trading


def test_process_start_with_placeholder_prints_one_line_not_a_traceback() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "ENVIRONMENT": "production",
        "TOKEN_SECRET": "changethis",
        "ADMIN_PASSWORD_HASH": hash_password("a long enough password"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: TOKEN_SECRET is a placeholder or empty"


def test_notify_urls_come_from_json_with_optional_events(monkeypatch: pytest.MonkeyPatch) -> None:
    urls = '["tgram://1:abc/42", {"url": "mailto://u:p@example.com", "events": ["fill"]}]'
    monkeypatch.setenv("NOTIFY_URLS", urls)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [(t.url, t.events) for t in settings.notify_urls] == [
        ("tgram://1:abc/42", None),
        ("mailto://u:p@example.com", ["fill"]),
    ]


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"telegram_bot_token": "1:abc"}, "TELEGRAM_CHAT_IDS is empty"),
        ({"telegram_chat_ids": "42,me"}, "chat id 'me' is not a number"),
    ],
)
def test_telegram_settings_are_checked(values: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
    assert named in describe_error(error.value)


def test_secrets_come_from_files_named_by_file_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "token").write_text(GOOD_SECRET + "\n")
    (tmp_path / "url").write_text("postgresql://app:s3cret@db:5432/bot")
    monkeypatch.setenv("TOKEN_SECRET_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("DATABASE_URL_FILE", str(tmp_path / "url"))
    monkeypatch.delenv("TOKEN_SECRET", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.token_secret == GOOD_SECRET
    assert settings.database_url == "postgresql+asyncpg://app:s3cret@db:5432/bot"


def test_a_list_setting_comes_from_its_file_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "urls").write_text(
        '["json://127.0.0.1/hook", {"url": "ntfy://t", "events": ["fill"]}]'
    )
    monkeypatch.setenv("NOTIFY_URLS_FILE", str(tmp_path / "urls"))
    monkeypatch.delenv("NOTIFY_URLS", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [(t.url, t.events) for t in settings.notify_urls] == [
        ("json://127.0.0.1/hook", None),
        ("ntfy://t", ["fill"]),
    ]


def test_a_list_setting_file_that_is_not_json_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "urls").write_text("json://not-a-list")
    monkeypatch.setenv("NOTIFY_URLS_FILE", str(tmp_path / "urls"))
    with pytest.raises(SecretFileError, match="NOTIFY_URLS_FILE"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def _start_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=BACKEND_DIR,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_unreadable_secret_file_stops_the_start_naming_the_setting() -> None:
    result = _start_with({"TOKEN_SECRET_FILE": "/nonexistent/token"})
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: TOKEN_SECRET_FILE: cannot read")


def test_a_secret_given_twice_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(GOOD_SECRET)
    result = _start_with({"TOKEN_SECRET_FILE": str(tmp_path / "token"), "TOKEN_SECRET": "other"})
    assert result.returncode == 2
    assert "both TOKEN_SECRET and TOKEN_SECRET_FILE are set" in result.stderr


@pytest.mark.parametrize("secret", ["not base32!", "JBSWY3DP"])
def test_a_bad_totp_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="admin_totp_secret"):
        production(admin_totp_secret=secret)
