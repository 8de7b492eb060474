"""Declarative base with stable constraint names, so migrations and models compare cleanly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, func, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Prices and quantities: exact decimals (Alpaca quotes to 4 places, fractional shares to 9).
Money = Numeric(20, 9)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        Decimal: Money,
        dict[str, Any]: JSONB(),
    }

    def snapshot(self) -> Self:
        """A copy of the row's columns as they are now, in no session: safe to announce while
        the row itself moves on."""
        columns = inspect(type(self)).column_attrs
        return type(self)(**{column.key: getattr(self, column.key) for column in columns})


class IdMixin:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
