"""Orders: the list with filters and paging, a manual order, a cancellation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import ColumnElement, select

from app.api.broker_errors import broker_call
from app.api.deps import CurrentUser, ReadSessionDep, SessionDep
from app.api.engine_deps import EngineDep
from app.api.paging import Limit, Offset, SymbolFilter, fetch_page
from app.core.errors import ApiError
from app.domain import OrderRequest, OrderStatus, OrderType
from app.engine.client_ids import manual_order_id
from app.models import FillRecord, OrderRecord
from app.schemas.errors import error_responses
from app.schemas.trading import FillOut, OrderCreate, OrderOut, OrderStatusOut, Page

router = APIRouter(prefix="/orders", tags=["orders"])

StatusGroup = Literal["open", "closed"]
StatusFilter = Annotated[
    OrderStatus | StatusGroup | None,
    Query(description="one order status, or 'open' / 'closed' for the groups"),
]
OrderId = Annotated[int, Path(ge=1, le=2**62)]


def order_out(record: OrderRecord) -> OrderOut:
    return OrderOut.model_validate(record)


def fill_out(record: FillRecord) -> FillOut:
    return FillOut.model_validate(record)


@router.get("", responses=error_responses(401, 422))
async def list_orders(
    session: ReadSessionDep,
    status: StatusFilter = None,
    symbol: SymbolFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrderOut]:
    filters: list[ColumnElement[bool]] = []
    if status == "open":
        filters.append(OrderRecord.status.in_(OrderStatus.open_values()))
    elif status == "closed":
        filters.append(OrderRecord.status.in_(OrderStatus.closed_values()))
    elif status is not None:
        filters.append(OrderRecord.status == status)
    if symbol is not None:
        filters.append(OrderRecord.symbol == symbol.upper())
    order_by = (OrderRecord.created_at.desc(), OrderRecord.id.desc())
    return await fetch_page(session, OrderRecord, OrderOut, filters, order_by, limit, offset)


_NEEDS = {
    OrderType.LIMIT: ("limit_price",),
    OrderType.STOP: ("stop_price",),
    OrderType.STOP_LIMIT: ("limit_price", "stop_price"),
}


def _check_prices(body: OrderCreate) -> None:
    """Each order type needs its prices; a bracket needs both legs."""
    problems = [
        {"field": name, "message": f"required for {body.type.value} orders"}
        for name in _NEEDS.get(body.type, ())
        if getattr(body, name) is None
    ]
    if (body.take_profit is None) != (body.stop_loss is None):
        missing = "stop_loss" if body.stop_loss is None else "take_profit"
        problems.append({"field": missing, "message": "a bracket needs take_profit and stop_loss"})
    if problems:
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise ApiError(422, "validation_error", f"Invalid request: {summary}", problems)


@router.post("", status_code=201, responses=error_responses(400, 401, 409, 422, 503))
async def create_order(
    body: OrderCreate, engine: EngineDep, user: CurrentUser, session: ReadSessionDep
) -> OrderOut:
    """Place an order by hand; with your own client_order_id a retried request cannot double it."""
    _check_prices(body)
    client_id = body.client_order_id or manual_order_id()
    existing = await session.scalar(
        select(OrderRecord).where(OrderRecord.client_order_id == client_id)
    )
    if existing is not None:
        raise ApiError(
            409,
            "duplicate_client_order_id",
            f"client_order_id: an order with id {client_id!r} exists already (#{existing.id}).",
        )
    request = OrderRequest(
        client_order_id=client_id,
        symbol=body.symbol.upper(),
        side=body.side,
        qty=body.qty,
        type=body.type,
        time_in_force=body.time_in_force,
        limit_price=body.limit_price,
        stop_price=body.stop_price,
        take_profit=body.take_profit,
        stop_loss=body.stop_loss,
    )
    record = await engine.place_order(request, user, body.model_dump(mode="json"))
    return order_out(record)


@router.get("/statuses", responses=error_responses(401))
async def list_order_statuses() -> list[OrderStatusOut]:
    """Every order state, in lifecycle order, and whether it is open."""
    ranked = sorted(OrderStatus, key=lambda status: status.rank)
    return [OrderStatusOut(status=status, open=status.is_open) for status in ranked]


@router.get("/{order_id}", responses=error_responses(401, 404, 422))
async def get_order(order_id: OrderId, session: SessionDep) -> OrderOut:
    return order_out(await _order(session, order_id))


@router.get("/{order_id}/fills", responses=error_responses(401, 404, 422))
async def list_fills(order_id: OrderId, session: SessionDep) -> list[FillOut]:
    await _order(session, order_id)
    rows = await session.scalars(
        select(FillRecord).where(FillRecord.order_id == order_id).order_by(FillRecord.filled_at)
    )
    return [fill_out(row) for row in rows]


@router.delete("/{order_id}", status_code=202, responses=error_responses(401, 404, 409, 422, 503))
async def cancel_order(
    order_id: OrderId, engine: EngineDep, user: CurrentUser, session: SessionDep
) -> OrderOut:
    """Ask the broker to cancel; the order turns canceled when the broker confirms."""
    record = await _order(session, order_id)
    if not OrderStatus(record.status).is_open:
        raise ApiError(
            409, "order_not_open", f"order_id: order {order_id} is already {record.status}."
        )
    await broker_call(engine.cancel_order(record, user), f"cancel order {order_id}")
    await session.refresh(record)
    return order_out(record)


async def _order(session: SessionDep, order_id: int) -> OrderRecord:
    record = await session.get(OrderRecord, order_id)
    if record is None:
        raise ApiError(404, "order_not_found", f"order_id: no order {order_id}.")
    return record
