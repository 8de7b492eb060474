"""Open positions, and closing one by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.broker_errors import broker_call
from app.api.deps import CurrentUser, SessionDep
from app.api.engine_deps import EngineDep
from app.api.routes.orders import order_out
from app.core.errors import ApiError
from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN, Position
from app.engine.service import NoPosition
from app.schemas.errors import error_responses
from app.schemas.trading import OrderOut, PositionOut

router = APIRouter(prefix="/positions", tags=["positions"])


def position_out(position: Position) -> PositionOut:
    return PositionOut.model_validate(position, from_attributes=True)


SymbolPath = Annotated[
    str, Path(min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)
]


@router.get("", responses=error_responses(401, 503))
async def list_positions(engine: EngineDep) -> list[PositionOut]:
    positions = await broker_call(engine.open_positions(), "positions")
    return [position_out(p) for p in positions]


@router.post("/{symbol}/close", status_code=202, responses=error_responses(401, 404, 422, 503))
async def close_position(
    symbol: SymbolPath,
    engine: EngineDep,
    user: CurrentUser,
    session: SessionDep,
    qty: Annotated[float | None, Query(ge=1e-9, le=1_000_000, description="part to close")] = None,
) -> OrderOut:
    """Send a market order that closes the position (or `qty` of it)."""
    symbol = symbol.upper()
    try:
        record = await broker_call(engine.close_position(symbol, user, qty), "positions")
    except NoPosition:
        raise ApiError(
            404, "position_not_found", f"symbol: no open position in {symbol}."
        ) from None
    except ValueError as error:
        raise ApiError(
            422,
            "qty_too_large",
            f"qty: {error}.",
            details=[{"field": "qty", "message": str(error)}],
        ) from None
    return order_out(record)
