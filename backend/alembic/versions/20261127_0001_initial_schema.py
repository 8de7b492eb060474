"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 14:12:05.526196
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "engine_runs",
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("broker", sa.String(length=32), nullable=False),
        sa.Column("data_source", sa.String(length=32), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_runs")),
    )
    op.create_table(
        "equity_points",
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("equity", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("cash", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_points")),
    )
    op.create_index(op.f("ix_equity_points_time"), "equity_points", ["time"], unique=False)
    op.create_table(
        "position_snapshots",
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("avg_entry_price", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("market_price", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_snapshots")),
    )
    op.create_index(
        "ix_position_snapshots_symbol_taken_at",
        "position_snapshots",
        ["symbol", "taken_at"],
        unique=False,
    )
    op.create_table(
        "risk_settings",
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_settings")),
    )
    op.create_table(
        "strategy_instances",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_instances")),
        sa.UniqueConstraint(
            "strategy", "symbol", "name", name=op.f("uq_strategy_instances_strategy")
        ),
    )
    op.create_table(
        "signals",
        sa.Column("strategy_instance_id", sa.BigInteger(), nullable=True),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("bar_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("strength", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["strategy_instance_id"],
            ["strategy_instances.id"],
            name=op.f("fk_signals_strategy_instance_id_strategy_instances"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    op.create_index("ix_signals_symbol_bar_time", "signals", ["symbol", "bar_time"], unique=False)
    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(length=128), nullable=False),
        sa.Column("broker_order_id", sa.String(length=64), nullable=True),
        sa.Column("strategy_instance_id", sa.BigInteger(), nullable=True),
        sa.Column("signal_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("time_in_force", sa.String(length=8), nullable=False),
        sa.Column("qty", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("limit_price", sa.Numeric(precision=20, scale=9), nullable=True),
        sa.Column("stop_price", sa.Numeric(precision=20, scale=9), nullable=True),
        sa.Column("take_profit", sa.Numeric(precision=20, scale=9), nullable=True),
        sa.Column("stop_loss", sa.Numeric(precision=20, scale=9), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("filled_qty", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("filled_avg_price", sa.Numeric(precision=20, scale=9), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("qty > 0", name=op.f("ck_orders_qty_positive")),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["signals.id"],
            name=op.f("fk_orders_signal_id_signals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_instance_id"],
            ["strategy_instances.id"],
            name=op.f("fk_orders_strategy_instance_id_strategy_instances"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("broker_order_id", name=op.f("uq_orders_broker_order_id")),
        sa.UniqueConstraint("client_order_id", name=op.f("uq_orders_client_order_id")),
    )
    op.create_index("ix_orders_status", "orders", ["status"], unique=False)
    op.create_index("ix_orders_symbol_created_at", "orders", ["symbol", "created_at"], unique=False)
    op.create_table(
        "fills",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("qty", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("price", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("commission", sa.Numeric(precision=20, scale=9), nullable=False),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fills_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint("execution_id", name=op.f("uq_fills_execution_id")),
    )
    op.create_index(op.f("ix_fills_order_id"), "fills", ["order_id"], unique=False)
    op.create_index("ix_fills_symbol_filled_at", "fills", ["symbol", "filled_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fills_symbol_filled_at", table_name="fills")
    op.drop_index(op.f("ix_fills_order_id"), table_name="fills")
    op.drop_table("fills")
    op.drop_index("ix_orders_symbol_created_at", table_name="orders")
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_signals_symbol_bar_time", table_name="signals")
    op.drop_table("signals")
    op.drop_table("strategy_instances")
    op.drop_table("risk_settings")
    op.drop_index("ix_position_snapshots_symbol_taken_at", table_name="position_snapshots")
    op.drop_table("position_snapshots")
    op.drop_index(op.f("ix_equity_points_time"), table_name="equity_points")
    op.drop_table("equity_points")
    op.drop_table("engine_runs")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
