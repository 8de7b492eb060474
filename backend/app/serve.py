"""The backend container's two processes: uvicorn serving the API and the engine worker, so API
load never shares the engine's event loop. If either ends on its own the other is stopped and
this exits non-zero (the child's code when it gave one), so systemd restarts the container;
SIGTERM or SIGINT stops both and exits 0.

Usage: python -m app.serve [uvicorn arguments...]
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

logger = logging.getLogger("app.serve")

STOP_SECONDS = 20.0  # the children's grace after SIGTERM (docker stop waits 30 s)


class Pair:
    """Two children; the first to end takes the other with it."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str]) -> None:
        # Our own interpreter and fixed module names; only uvicorn's options come from the caller.
        self.children = {
            name: subprocess.Popen(argv, env=env)  # noqa: S603
            for name, argv in commands.items()
        }
        self.stopping = False

    def stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        self.stopping = True
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def wait(self) -> int:
        by_pid = {child.pid: name for name, child in self.children.items()}
        while True:  # as PID 1 we also reap orphans (e.g. of `docker exec`): not ours, go on
            pid, status = os.wait()  # retried across handled signals
            if pid in by_pid:
                break
        asked = self.stopping
        name = by_pid[pid]
        code = os.waitstatus_to_exitcode(status)
        self.children[name].returncode = code
        if not asked:
            logger.error("serve: the %s process ended (exit %d); stopping the other", name, code)
        self.stop()
        deadline = time.monotonic() + STOP_SECONDS
        for other in self.children.values():
            try:
                other.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                other.kill()
                other.wait()
        if asked:
            return 0
        return code if code > 0 else 1


def main(uvicorn_args: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    env = {**os.environ, "ENGINE_PROCESS": "separate"}
    pair = Pair(
        {
            "api": [sys.executable, "-m", "uvicorn", "app.main:app", *uvicorn_args],
            "engine": [sys.executable, "-m", "app.worker"],
        },
        env,
    )
    signal.signal(signal.SIGTERM, pair.stop)
    signal.signal(signal.SIGINT, pair.stop)
    return pair.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
