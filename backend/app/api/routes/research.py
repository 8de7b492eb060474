"""Parameter searches: start one on simulated or cached bars, poll it, cancel it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from app.api.routes.history import CacheDep, cached_frames
from app.api.validation import invalid
from app.core.errors import ApiError
from app.research.backtests import simulated_frame
from app.research.jobs import SearchJobs
from app.schemas.backtests import HistoryData
from app.schemas.errors import error_responses
from app.schemas.research import SearchIn, SearchJobOut
from app.strategies import STRATEGIES

router = APIRouter(prefix="/research", tags=["research"])
JobId = Annotated[str, Path(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]


def get_jobs(request: Request) -> SearchJobs:
    jobs: SearchJobs = request.app.state.searches
    return jobs


JobsDep = Annotated[SearchJobs, Depends(get_jobs)]


@router.post("/searches", status_code=202, responses=error_responses(400, 401, 422))
async def start_search(body: SearchIn, jobs: JobsDep, cache: CacheDep) -> SearchJobOut:
    """Grid or TPE over the strategy's parameters, optionally walk-forward validated."""
    cls = STRATEGIES.get(body.strategy)
    if cls is None:
        raise invalid(
            "strategy",
            f"unknown strategy {body.strategy!r}; known: {', '.join(sorted(STRATEGIES))}",
        )
    known = set(cls.Params.model_fields)
    for group in ["grid" if body.method == "grid" else "ranges"]:
        unknown = sorted(set(getattr(body, group)) - known)
        if unknown:
            raise invalid(
                group,
                f"{body.strategy} has no parameter {unknown[0]!r}; it has {sorted(known)}",
            )
    if isinstance(body.data, HistoryData):
        frames = await cached_frames(cache, body.data)
    else:
        frames = [simulated_frame(body.data)]
    return jobs.submit(body, frames)


@router.get("/searches/{job_id}", responses=error_responses(401, 404, 422))
async def get_search(job_id: JobId, jobs: JobsDep) -> SearchJobOut:
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, "search_not_found", f"job_id: no search {job_id}.")
    return job


@router.post("/searches/{job_id}/cancel", responses=error_responses(401, 404, 422))
async def cancel_search(job_id: JobId, jobs: JobsDep) -> SearchJobOut:
    """Stops after the trials in flight; the finished ones stay."""
    job = await get_search(job_id, jobs)
    jobs.cancel(job_id)
    return job
