"""The docker CLI for the image tests: every failure shows the command and its output."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

# The engine here has no BuildKit (see the environment notes); the legacy builder works anywhere.
ENV = {**os.environ, "DOCKER_BUILDKIT": "0"}


class DockerError(RuntimeError):
    """A docker command failed; the message carries its arguments, exit code and stderr."""


def docker(*args: str, check: bool = True, stdin: str | None = None, timeout: float = 900) -> str:
    """Runs `docker ARGS...` and returns its stdout (stripped)."""
    done = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=ENV
    )
    if check and done.returncode != 0:
        raise DockerError(
            f"docker {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout.strip()


def run_to_exit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Runs a container in the foreground to its end (`docker run --rm ARGS...`)."""
    return subprocess.run(
        ["docker", "run", "--rm", *args], capture_output=True, text=True, timeout=timeout, env=ENV
    )


def published_port(container: str, port: int) -> int:
    """The 127.0.0.1 host port docker published for a container port."""
    mapping = docker("port", container, f"{port}/tcp").splitlines()[0]
    return int(mapping.rsplit(":", 1)[1])


def is_running(container: str) -> bool:
    return docker("inspect", "-f", "{{.State.Running}}", container) == "true"


def logs(container: str) -> str:
    done = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return (done.stdout + done.stderr)[-6000:]


def wait_until(
    ready: Callable[[], bool], timeout: float, what: str, watch: list[str] | None = None
) -> None:
    """Polls `ready` until true; fails early with the logs if a watched container died."""
    deadline = time.monotonic() + timeout
    while not ready():
        for container in watch or []:
            if not is_running(container):
                details = logs(container)
                raise AssertionError(f"{container} exited while waiting for {what}:\n{details}")
        if time.monotonic() > deadline:
            details = "\n".join(f"--- {name}\n{logs(name)}" for name in watch or [])
            raise AssertionError(f"{what} not ready within {timeout:g} s\n{details}")
        time.sleep(0.5)


def image_size(image: str) -> int:
    return int(docker("image", "inspect", "-f", "{{.Size}}", image))


def build(context: str, tag: str, **build_args: str) -> None:
    """`docker build`, removing the containers of failed steps too."""
    args = [
        option
        for name, value in build_args.items()
        for option in ("--build-arg", f"{name}={value}")
    ]
    # Each step within 1 GB and no swap: what the smallest host the deployment targets has.
    memory = ["--memory", "1g", "--memory-swap", "1g"]
    docker("build", "--force-rm", *memory, *args, "-t", tag, context, timeout=1800)
