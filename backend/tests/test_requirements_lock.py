"""requirements.lock must match pyproject.toml: the image and the dev venv install only the lock."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

BACKEND_DIR = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?:\s*;\s*[^\\]+?)?\s*\\?$")
PROJECT = "trading-bot (pyproject.toml)"


@dataclass
class Pin:
    """One `name==version` entry of the lock, its hashes and the packages that pulled it in."""

    name: str
    version: Version
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def parse_lock(text: str) -> list[Pin]:
    """Reads uv's (and pip-compile's) output format: pins, `--hash` lines, `# via` annotations."""
    pins: list[Pin] = []
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        match = PIN.match(line)
        if match:
            pins.append(Pin(canonicalize_name(match["name"]), Version(match["version"])))
            in_via = False
        elif stripped.startswith("--hash=sha256:") and pins:
            pins[-1].hashes.append(stripped.removeprefix("--hash=sha256:").rstrip(" \\"))
        elif stripped.startswith("# via") and pins:
            rest = stripped.removeprefix("# via").strip()
            pins[-1].via.extend([rest] if rest else [])
            in_via = True
        elif in_via and stripped.startswith("#   ") and pins:
            pins[-1].via.append(stripped.removeprefix("#").strip())
        elif stripped and not stripped.startswith("#"):
            raise ValueError(f"unexpected line in requirements.lock: {line!r}")
    return pins


def project_requirements() -> list[Requirement]:
    pyproject = tomllib.loads((BACKEND_DIR / "pyproject.toml").read_text())
    return [Requirement(spec) for spec in pyproject["project"]["dependencies"]]


@pytest.fixture(scope="module")
def pins() -> list[Pin]:
    return parse_lock((BACKEND_DIR / "requirements.lock").read_text())


def test_every_runtime_dependency_is_locked_within_its_range(pins: list[Pin]) -> None:
    locked: dict[str, list[Version]] = {}
    for pin in pins:
        locked.setdefault(pin.name, []).append(pin.version)
    problems = []
    for requirement in project_requirements():
        versions = locked.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement} is not in the lock")
        problems += [
            f"{requirement} but the lock pins {version}"
            for version in versions or []
            if not requirement.specifier.contains(version, prereleases=True)
        ]
    assert problems == [], "run `make lock`: " + "; ".join(problems)


def test_the_lock_holds_no_direct_dependency_pyproject_dropped(pins: list[Pin]) -> None:
    declared = {canonicalize_name(requirement.name) for requirement in project_requirements()}
    direct = {pin.name for pin in pins if PROJECT in pin.via}
    assert direct == declared, "run `make lock`"


def test_every_pin_carries_hashes(pins: list[Pin]) -> None:
    assert pins
    assert [pin.name for pin in pins if not pin.hashes] == []
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for pin in pins for digest in pin.hashes)


def test_the_parser_reads_uv_output_and_refuses_anything_else() -> None:
    text = (
        "# header\nnumpy==2.4.6 ; python_full_version < '3.12' \\\n"
        f"    --hash=sha256:{'a' * 64}\n    # via\n    #   {PROJECT}\n    #   pandas\n"
    )
    [pin] = parse_lock(text)
    assert (pin.name, str(pin.version), pin.via) == ("numpy", "2.4.6", [PROJECT, "pandas"])
    with pytest.raises(ValueError, match="unexpected line"):
        parse_lock("numpy>=2\n")
