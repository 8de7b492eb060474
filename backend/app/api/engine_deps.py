"""The engine service as a route dependency (it lives on app.state, started by the lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.engine.service import EngineService


async def get_engine(request: Request) -> EngineService:
    engine: EngineService = request.app.state.engine
    return engine


EngineDep = Annotated[EngineService, Depends(get_engine)]
