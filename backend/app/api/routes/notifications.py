"""Notification targets: which are configured (names only), and a test message to one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import ApiError
from app.models.audit import add_audit
from app.notify.dispatch import Dispatcher
from app.schemas.errors import error_responses
from app.schemas.notify import NotifyTargetOut, NotifyTestOut

router = APIRouter(prefix="/notifications", tags=["notifications"])


def get_dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.notifications.dispatcher
    return dispatcher


DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]


@router.get("", responses=error_responses(401))
async def list_targets(dispatcher: DispatcherDep) -> list[NotifyTargetOut]:
    return [
        NotifyTargetOut(index=t.index, service=t.service, events=t.events)
        for t in dispatcher.targets
    ]


@router.post("/{index}/test", responses=error_responses(401, 404, 422))
async def send_test(
    index: Annotated[int, Path(ge=0, le=1000)],
    dispatcher: DispatcherDep,
    user: CurrentUser,
    session: SessionDep,
) -> NotifyTestOut:
    """Send a test message now (one attempt) and say whether the service took it."""
    targets = dispatcher.targets
    if index >= len(targets):
        raise ApiError(
            404, "target_not_found", f"index: no notification target {index} is configured."
        )
    delivered = await dispatcher.test(index)
    add_audit(
        session,
        user,
        "notify_test",
        "notification_target",
        index,
        after={"service": targets[index].service, "delivered": delivered},
    )
    await session.commit()
    return NotifyTestOut(index=index, service=targets[index].service, delivered=delivered)
