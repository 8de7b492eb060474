"""Open positions, and closing one by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import CurrentUser, SessionDep
from app.api.engine_deps import EngineDep
from app.core.errors import ApiError
from app.domain import OrderRequest, Side
from app.engine.client_ids import manual_order_id
from app.engine.orders import OrderOrigin
from app.engine.positions import position_out
from app.schemas.errors import error_responses
from app.schemas.trading import OrderOut, PositionOut
from app.services.audit import add_audit
from app.services.broker_errors import broker_call

router = APIRouter(prefix="/positions", tags=["positions"])

SymbolPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9./-]+$")]


@router.get("", responses=error_responses(401, 503))
async def list_positions(engine: EngineDep) -> list[PositionOut]:
    positions = await broker_call(engine.broker.get_positions(), "positions")
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
    held = {p.symbol: p for p in await broker_call(engine.broker.get_positions(), "positions")}
    position = held.get(symbol)
    if position is None:
        raise ApiError(404, "position_not_found", f"symbol: no open position in {symbol}.")
    if qty is not None and qty > abs(position.qty):
        raise ApiError(
            422,
            "qty_too_large",
            f"qty: {qty} is more than the {abs(position.qty)} held.",
            details=[{"field": "qty", "message": f"at most {abs(position.qty)}"}],
        )
    request = OrderRequest(
        client_order_id=manual_order_id(),
        symbol=symbol,
        side=Side.SELL if position.qty > 0 else Side.BUY,
        qty=qty or abs(position.qty),
    )
    record = await engine.orders.place(request, OrderOrigin("manual"))
    add_audit(
        session,
        user,
        "position_close",
        "position",
        symbol,
        after={"client_order_id": record.client_order_id, "qty": request.qty},
    )
    await session.commit()
    return OrderOut.model_validate(record)
