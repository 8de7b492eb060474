"""The trading account as the broker reports it."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.broker_errors import broker_call
from app.api.engine_deps import EngineDep
from app.engine.status import AccountStatus
from app.schemas.errors import error_responses
from app.schemas.trading import AccountOut

router = APIRouter(prefix="/account", tags=["account"])


def account_out(status: AccountStatus) -> AccountOut:
    account = status.account
    return AccountOut(
        cash=account.cash,
        equity=account.equity,
        buying_power=account.buying_power,
        last_equity=account.last_equity,
        currency=account.currency,
        trading_blocked=account.trading_blocked,
        market_open=status.market_open,
        data_source=status.data_source,
    )


@router.get("", responses=error_responses(401, 503))
async def get_account(engine: EngineDep) -> AccountOut:
    return account_out(await broker_call(engine.account(), "account"))
