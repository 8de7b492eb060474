"""Backtests as background jobs: start one on simulated or uploaded bars, then poll it."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.api.deps import CurrentUser, SessionDep
from app.api.routes.history import CacheDep, cached_frames
from app.api.validation import invalid, nested_error, strategy_params
from app.backtest import BacktestConfig, DataError, load_csv
from app.core.errors import ApiError
from app.models.audit import add_audit
from app.research.backtests import BacktestJobs
from app.schemas.backtests import BacktestIn, BacktestJobOut, HistoryData, UploadedData
from app.schemas.errors import error_responses

router = APIRouter(prefix="/backtests", tags=["backtests"])


async def get_jobs(request: Request) -> BacktestJobs:
    jobs: BacktestJobs = request.app.state.backtests
    return jobs


JobsDep = Annotated[BacktestJobs, Depends(get_jobs)]
JobId = Annotated[str, Path(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]

_FORM_SCHEMA = {
    "type": "object",
    "required": ["strategy", "file"],
    "properties": {
        "strategy": {"type": "string", "description": "strategy name, see GET /api/strategies"},
        "params": {"type": "string", "description": "JSON object of strategy parameters"},
        "config": {"type": "string", "description": "JSON object, a BacktestConfig"},
        "symbol": {"type": "string", "description": "symbol to label the bars with"},
        "file": {"type": "string", "format": "binary", "description": "CSV: time, OHLCV"},
    },
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/BacktestIn"}},
            "multipart/form-data": {"schema": _FORM_SCHEMA},
        },
    }
}


@router.post(
    "", status_code=202, responses=error_responses(400, 401, 415, 422), openapi_extra=_BODY
)
async def start_backtest(
    request: Request, jobs: JobsDep, user: CurrentUser, session: SessionDep, cache: CacheDep
) -> BacktestJobOut:
    """JSON runs on the simulated market or the history cache; multipart/form-data runs on
    the uploaded CSV."""
    content_type = request.headers.get("content-type", "")
    frames = None
    if content_type.startswith("multipart/form-data"):
        spec, csv = await _from_form(request)
    elif content_type.startswith("application/json"):
        spec, csv = await _from_json(request), None
        if isinstance(spec.data, HistoryData):
            frames = await cached_frames(cache, spec.data)
    else:
        raise ApiError(
            415, "unsupported_media_type", "Send application/json or multipart/form-data."
        )
    job = await jobs.submit(spec, csv, frames)
    add_audit(
        session, user, "backtest_start", "backtest", job.id, after=spec.model_dump(mode="json")
    )
    await session.commit()
    return job


@router.get("/{job_id}", responses=error_responses(401, 404, 422))
async def get_backtest(job_id: JobId, jobs: JobsDep) -> BacktestJobOut:
    job = await jobs.get(job_id)
    if job is None:
        raise ApiError(404, "backtest_not_found", f"job_id: no backtest {job_id} (kept 7 days).")
    return job


async def _from_json(request: Request) -> BacktestIn:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None
    try:
        spec = BacktestIn.model_validate(payload)
    except ValidationError as error:
        raise nested_error("", error, frozenset({"simulated", "history"})) from None
    if spec.upload is not None or spec.data is None:
        raise invalid("upload", "to backtest a CSV, send it as multipart/form-data (file)")
    return spec.model_copy(update={"params": strategy_params(spec.strategy, spec.params)})


async def _from_form(request: Request) -> tuple[BacktestIn, bytes]:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise invalid("file", "attach the CSV as a file field named 'file'")
    strategy = _text(form.get("strategy"), "strategy")
    params = _json_object(form.get("params"), "params")
    symbol = (_text(form.get("symbol"), "symbol") if form.get("symbol") else "DATA").upper()
    try:
        config = BacktestConfig.model_validate(_json_object(form.get("config"), "config"))
    except ValidationError as error:
        raise nested_error("config", error) from None
    csv = await upload.read()
    try:
        await asyncio.to_thread(load_csv, csv, symbol)
    except DataError as error:
        raise invalid("file", str(error)) from None
    spec = BacktestIn(
        strategy=strategy,
        params=strategy_params(strategy, params),
        config=config,
        data=None,
        upload=UploadedData(filename=upload.filename or "upload.csv", symbol=symbol),
    )
    return spec, csv


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise invalid(field, "required, 1 to 64 characters")
    return value.strip()


def _json_object(value: Any, field: str) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise invalid(field, "must be a JSON object")
    return parsed
