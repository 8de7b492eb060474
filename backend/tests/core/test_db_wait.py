"""The entrypoint's wait for PostgreSQL, against the real test server and a closed port."""

from __future__ import annotations

import time

import pytest

from app.core.db_wait import NO_ANSWER, REFUSED, main, wait_for_database
from tests.support.services import PostgresServer, free_port


def test_returns_at_once_when_postgres_answers(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert wait_for_database(postgres.url(), limit=10) == 0
    assert f"PostgreSQL at 127.0.0.1:{postgres.port}/postgres is up" in capsys.readouterr().err


def test_a_missing_database_is_refused_without_waiting(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert wait_for_database(postgres.url("no_such_database"), limit=30) == REFUSED
    assert time.monotonic() - started < 10
    assert "refused us" in capsys.readouterr().err


def test_gives_up_after_the_limit_naming_the_last_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/trading_bot"
    assert wait_for_database(url, limit=0.5, pause=0.1) == NO_ANSWER
    err = capsys.readouterr().err
    assert "did not answer within 0.5 s" in err
    assert "ConnectionRefusedError" in err or "OSError" in err


def test_a_limit_that_is_not_a_number_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["soon"]) == REFUSED
    assert "DB_WAIT_SECONDS must be a number of seconds, not 'soon'" in capsys.readouterr().err
