"""The command channel's vocabulary: what the API may ask of the engine process, what comes back,
and how a domain error travels, in one place that both sides import.

A command goes on a Redis list with an id and a deadline; the process holding the commander lock
takes it, acts, and pushes the reply to a list named after the id. A command found after its
deadline is dropped, never acted on: the API has answered 503 by then.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from app.brokers.base import (
    AuthenticationFailed,
    BrokerUnavailable,
    NotFound,
    OrderRejected,
    Refusal,
)
from app.domain import OrderRequest, Position
from app.engine.status import AccountStatus, EngineStatus, KillOutcome, NoPosition

COMMANDS_KEY = "trading-bot:engine:commands"
COMMANDER_KEY = "trading-bot:engine:commander"  # lock of the one process that takes commands
WORKER_KEY = "trading-bot:engine:worker"  # what the commander says about itself (WorkerInfo)
METRICS_KEY = "trading-bot:engine:metrics"  # the engine process's Prometheus series, as text
REPLY_TTL_SECONDS = 60


def reply_key(command_id: str) -> str:
    return f"trading-bot:engine:reply:{command_id}"


class PlaceOrder(BaseModel):
    op: Literal["place_order"] = "place_order"
    request: OrderRequest
    actor: str
    asked: dict[str, Any]


class CancelOrder(BaseModel):
    op: Literal["cancel_order"] = "cancel_order"
    order_id: int
    actor: str


class ClosePosition(BaseModel):
    op: Literal["close_position"] = "close_position"
    symbol: str
    actor: str
    qty: float | None = None


class Kill(BaseModel):
    op: Literal["kill"] = "kill"
    actor: str
    flatten: bool


class SetRunning(BaseModel):
    op: Literal["set_running"] = "set_running"
    running: bool
    actor: str


class GetAccount(BaseModel):
    op: Literal["account"] = "account"


class GetPositions(BaseModel):
    op: Literal["positions"] = "positions"


class ReloadInstances(BaseModel):
    op: Literal["reload_instances"] = "reload_instances"


Command = Annotated[
    PlaceOrder
    | CancelOrder
    | ClosePosition
    | Kill
    | SetRunning
    | GetAccount
    | GetPositions
    | ReloadInstances,
    Field(discriminator="op"),
]

# What each command answers, as JSON both ways.
ORDER_ID: TypeAdapter[int] = TypeAdapter(int)
NOTHING: TypeAdapter[None] = TypeAdapter(None)
KILL_OUTCOME: TypeAdapter[KillOutcome] = TypeAdapter(KillOutcome)
STATUS: TypeAdapter[EngineStatus] = TypeAdapter(EngineStatus)
ACCOUNT: TypeAdapter[AccountStatus] = TypeAdapter(AccountStatus)
POSITIONS: TypeAdapter[list[Position]] = TypeAdapter(list[Position])
RESULTS: dict[str, TypeAdapter[Any]] = {
    "place_order": ORDER_ID,
    "cancel_order": NOTHING,
    "close_position": ORDER_ID,
    "kill": KILL_OUTCOME,
    "set_running": STATUS,
    "account": ACCOUNT,
    "positions": POSITIONS,
    "reload_instances": NOTHING,
}


class Envelope(BaseModel):
    """A command on its way: who waits for it (`id`) and until when (Unix time)."""

    id: str
    deadline: float
    command: Command


FailureKind = Literal[
    "unavailable", "auth", "not_found", "rejected", "no_position", "invalid", "internal"
]


class Failure(BaseModel):
    """A domain error as it crosses the channel; `error()` raises it again on the other side."""

    kind: FailureKind
    message: str
    maybe_processed: bool = False
    refusal: Refusal = Refusal.OTHER

    @classmethod
    def of(cls, error: Exception) -> Failure:
        message = str(error)
        if isinstance(error, BrokerUnavailable):
            return cls(kind="unavailable", message=message, maybe_processed=error.maybe_processed)
        if isinstance(error, OrderRejected):
            return cls(kind="rejected", message=error.reason, refusal=error.refusal)
        if isinstance(error, AuthenticationFailed):
            return cls(kind="auth", message=message)
        if isinstance(error, NotFound):
            return cls(kind="not_found", message=message)
        if isinstance(error, NoPosition):
            return cls(kind="no_position", message=error.symbol)
        if isinstance(error, ValueError):
            return cls(kind="invalid", message=message)
        return cls(kind="internal", message=f"{type(error).__name__}: {message}"[:500])

    def error(self) -> Exception:
        match self.kind:
            case "unavailable":
                return BrokerUnavailable(self.message, maybe_processed=self.maybe_processed)
            case "rejected":
                return OrderRejected(self.message, refusal=self.refusal)
            case "auth":
                return AuthenticationFailed(self.message)
            case "not_found":
                return NotFound(self.message)
            case "no_position":
                return NoPosition(self.message)
            case "invalid":
                return ValueError(self.message)
            case _:  # neither the broker's nor the request's fault: the engine's log has more
                return RuntimeError(self.message)


class Reply(BaseModel):
    id: str
    result: Any = None
    failure: Failure | None = None
