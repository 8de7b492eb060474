"""What ships: no `.env` and no secret in any layer, and sizes within the seed's limits."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from conftest import REPO, SIZE_REPORT, Secrets, context_with_dotenv, lock_arg
from dockercli import DockerError, build, docker, image_size

MB = 1_000_000
# Targets from the seed: each whole image, base included, on the stand-in bases.
WHOLE_LIMITS = {"backend": 300 * MB, "frontend": 50 * MB}
# Regular files an image archive holds at least (a tiny count means it is not a real image).
MIN_FILES = {"backend": 1000, "frontend": 30}


def _files(archive: IO[bytes], where: str) -> Iterator[tuple[str, bytes]]:
    """Every regular file in a tar, descending into nested tars (the layers of `docker save`)."""
    with tarfile.open(fileobj=archive, mode="r|*") as tar:
        for member in tar:
            if not member.isfile():
                continue
            data = tar.extractfile(member)
            assert data is not None
            path = f"{where}/{member.name}"
            if member.name.endswith("layer.tar"):
                yield from _files(data, path)
            else:
                yield path, data.read()


@pytest.mark.parametrize("role", ["backend", "frontend"])
def test_no_dotenv_nor_secret_in_any_layer(
    role: str, request: pytest.FixtureRequest, test_secrets: Secrets, tmp_path: Path
) -> None:
    image: str = request.getfixturevalue(f"{role}_image")
    saved = tmp_path / f"{role}.tar"
    docker("save", "-o", str(saved), image)
    needles = {name: value.encode() for name, value in test_secrets.values().items()}
    found: list[str] = []
    scanned = 0
    with saved.open("rb") as archive:
        for path, content in _files(archive, role):
            scanned += 1
            name = path.rsplit("/", 1)[-1]
            if name == ".env" or name.startswith(".env."):
                found.append(f"{path}: a .env file")
            found += [f"{path}: holds {key}" for key, value in needles.items() if value in content]
    assert scanned > MIN_FILES[role], f"only {scanned} files scanned: not a real image archive?"
    assert not found, "\n".join(found)


def _base_of(role: str, standins: dict[str, str]) -> str:
    return standins["python" if role == "backend" else "nginx"]


@pytest.mark.parametrize("role", ["backend", "frontend"])
def test_whole_size_within_limit(
    role: str, request: pytest.FixtureRequest, standins: dict[str, str]
) -> None:
    image: str = request.getfixturevalue(f"{role}_image")
    base = _base_of(role, standins)
    total, base_size = image_size(image), image_size(base)
    layers = docker("history", "--format", "{{.Size}}\t{{.CreatedBy}}", image).splitlines()
    base_layers = len(docker("history", "-q", base).splitlines())
    added = total - base_size
    SIZE_REPORT.append(
        f"{role}: {total / MB:.1f} MB (limit {WHOLE_LIMITS[role] / MB:.0f} MB), of which"
        f" {base} {base_size / MB:.1f} MB and the project's layers {added / MB:.1f} MB"
    )
    print(SIZE_REPORT[-1])
    for line in layers[: len(layers) - base_layers]:
        size, command = line.split("\t", 1)
        if size != "0B":
            SIZE_REPORT.append(f"    {size:>8}  {command[:90]}")
    assert total < WHOLE_LIMITS[role], SIZE_REPORT[-1]


def _layers(image: str) -> list[str]:
    return docker("image", "inspect", "-f", "{{range .RootFS.Layers}}{{.}} {{end}}", image).split()


def test_code_change_keeps_the_dependency_layer(
    backend_image: str, standins: dict[str, str], tmp_path: Path
) -> None:
    context = context_with_dotenv(REPO / "backend", tmp_path / "backend", "unused")
    (context / "app" / "build_probe.py").write_text('"""Only here to change the code."""\n')
    probe = f"{backend_image.split(':')[0]}:code-change-probe"
    build(str(context), probe, PYTHON_IMAGE=standins["python"], **lock_arg())
    try:
        before, after = _layers(backend_image), _layers(probe)
        venv_layer = len(_layers(standins["python"])) + 1  # after the appuser layer
        assert before[: venv_layer + 1] == after[: venv_layer + 1], "the venv layer was rebuilt"
        assert before != after
    finally:
        docker("rmi", probe, check=False)


def test_the_notification_services_load_from_the_slimmed_dependencies(backend_image: str) -> None:
    """Apprise finds its services by listing its plugin sources: they must survive bytecode-only."""
    urls = ["json://127.0.0.1/hook", "tgram://1:abc/2", "mailto://u:p@example.com", "ntfy://topic"]
    probe = f"import apprise as a; print(sum(a.Apprise.instantiate(u) is not None for u in {urls}))"
    python = ["run", "--rm", "--entrypoint", "/opt/venv/bin/python3", backend_image, "-c", probe]
    assert docker(*python) == str(len(urls))


def test_the_image_names_the_lock_it_was_built_from(backend_image: str) -> None:
    label = '{{index .Config.Labels "trading-bot.requirements-lock.sha256"}}'
    assert (
        docker("image", "inspect", "-f", label, backend_image)
        == lock_arg()["REQUIREMENTS_LOCK_SHA256"]
    )


def test_a_lock_other_than_the_one_named_stops_the_build(
    backend_image: str, standins: dict[str, str], tmp_path: Path
) -> None:
    context = context_with_dotenv(REPO / "backend", tmp_path / "backend", "unused")
    with (context / "requirements.lock").open("a") as lock:
        lock.write("# edited after the deployment hashed it\n")
    probe = f"{backend_image.split(':')[0]}:lock-probe"
    with pytest.raises(DockerError, match="FAILED"):
        build(str(context), probe, PYTHON_IMAGE=standins["python"], **lock_arg())
    docker("rmi", probe, check=False)
