"""Migrations build the schema the models describe, and unwind to nothing."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Base
from tests.conftest import run_alembic
from tests.support.services import PostgresServer


def test_upgrade_downgrade_upgrade(postgres: PostgresServer) -> None:
    postgres.psql("CREATE DATABASE migrations_roundtrip")
    url = postgres.url("migrations_roundtrip")
    tables = (
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables"
        " WHERE schemaname = 'public'"
    )
    assert run_alembic(url, "upgrade", "head").returncode == 0
    assert "orders" in postgres.psql(tables, "migrations_roundtrip").split(",")
    result = run_alembic(url, "downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert postgres.psql(tables, "migrations_roundtrip") == "alembic_version"
    result = run_alembic(url, "upgrade", "head")
    assert result.returncode == 0, result.stderr


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    await engine.dispose()
    assert differences == []
