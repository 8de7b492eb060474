"""Search jobs in this process: one at a time on the two-worker pool, with progress and cancel."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from pydantic import ValidationError

from app.research.search import Search, SearchSpec, best, walk_forward
from app.schemas.research import SearchIn, SearchJobOut, TrialOut, WalkForwardOut
from app.strategies import BarFrame

logger = logging.getLogger(__name__)
KEEP = 50  # finished jobs remembered


class SearchJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, SearchJobOut] = {}
        self._cancel: set[str] = set()
        self._one_at_a_time = asyncio.Semaphore(1)
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> SearchJobOut | None:
        return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> None:
        self._cancel.add(job_id)

    async def close(self) -> None:
        """Cancels every job; each stops after the trials in flight."""
        self._cancel.update(self._jobs)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def submit(self, request: SearchIn, frames: list[BarFrame]) -> SearchJobOut:
        job = SearchJobOut(
            id=uuid.uuid4().hex, status="queued", created_at=datetime.now(UTC), request=request
        )
        self._jobs[job.id] = job
        for old in list(self._jobs)[:-KEEP]:
            self._jobs.pop(old)
        task = asyncio.create_task(self._run(job.id, frames), name=f"search-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def _progress(self, job_id: str, done: int, total: int) -> bool:
        job = self._jobs[job_id]
        self._jobs[job_id] = job.model_copy(update={"done": done, "total": total})
        return job_id not in self._cancel

    async def _run(self, job_id: str, frames: list[BarFrame]) -> None:
        async with self._one_at_a_time:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(update={"status": "running"})
            r = job.request
            spec = SearchSpec(
                strategy=r.strategy,
                objective=r.objective,
                max_drawdown=r.max_drawdown,
                method=r.method,
                grid=r.grid,
                ranges=r.ranges,
                trials=r.trials,
                config=r.config,
            )
            try:
                trials = await asyncio.to_thread(
                    Search(frames).run, spec, None, lambda d, t: self._progress(job_id, d, t)
                )
                update: dict[str, object] = {
                    "trials": [TrialOut.model_validate(asdict(t)) for t in trials],
                    "status": "cancelled" if job_id in self._cancel else "done",
                }
                chosen = best(trials)
                update["best"] = TrialOut.model_validate(asdict(chosen)) if chosen else None
                if r.walk_forward and job_id not in self._cancel:
                    report = await asyncio.to_thread(
                        walk_forward,
                        frames,
                        spec,
                        r.walk_forward.folds,
                        r.walk_forward.in_sample_share,
                        progress=lambda d, t: job_id not in self._cancel,
                    )
                    update["walk_forward"] = WalkForwardOut.model_validate(asdict(report))
            except (KeyError, ValueError, ValidationError) as exc:
                update = {"status": "failed", "error": str(exc)[:2000]}
            except Exception as exc:
                logger.exception("search %s crashed", job_id)
                update = {"status": "failed", "error": f"internal error: {exc}"[:2000]}
            self._jobs[job_id] = self._jobs[job_id].model_copy(update=update)
            self._cancel.discard(job_id)
