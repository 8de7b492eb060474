"""Strategy instances are long-only unless shorting is switched on for them.

Revision ID: i13_allow_short
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "i13_allow_short"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "strategy_instances",
        sa.Column("allow_short", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("strategy_instances", "allow_short")
