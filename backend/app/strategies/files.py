"""The user's own strategies: every `Strategy` subclass in the .py files of a directory. A broken
file is reported (file, line, reason) and skipped; it never stops the other strategies."""

from __future__ import annotations

import importlib.util
import inspect
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
from pydantic import ValidationError

from app.strategies.base import Strategy, StrategyParams
from app.strategies.frame import BarFrame

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TRIAL_BARS = 400  # a random walk long enough for the warm-up of any sensible strategy


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why a strategy file (or one class in it) cannot run, and where."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a directory or file gave: the strategies by name and the problems found."""

    strategies: dict[str, type[Strategy]]
    problems: list[FileProblem]


def load_directory(directory: Path, taken: Mapping[str, type[Strategy]]) -> Loaded:
    """Every strategy of every .py file of `directory` (not recursive, sorted by file name);
    names must not clash with `taken` (the built-ins) nor with each other."""
    if not directory.is_dir():
        problem = FileProblem(str(directory), None, "strategies directory does not exist")
        return Loaded({}, [problem])
    found: dict[str, type[Strategy]] = {}
    problems: list[FileProblem] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        loaded = load_file(path, {**taken, **found})
        found.update(loaded.strategies)
        problems.extend(loaded.problems)
    return Loaded(found, problems)


def load_file(path: Path, taken: Mapping[str, type[Strategy]]) -> Loaded:
    """The strategies of one file, each checked: required parts, a free name, valid default
    parameters and one trial evaluation on random bars."""
    module, problem = _import(path)
    if module is None:
        assert problem is not None
        return Loaded({}, [problem])
    classes = [
        cls
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, Strategy)
        and cls is not Strategy
        and cls.__module__ == module.__name__
    ]
    if not classes:
        return Loaded({}, [FileProblem(str(path), None, "defines no Strategy subclass")])
    found: dict[str, type[Strategy]] = {}
    problems: list[FileProblem] = []
    for cls in classes:
        reason = _check(cls, {**taken, **found})
        if reason is None:
            found[cls.name] = cls
        else:
            problems.append(FileProblem(str(path), _line_of(cls), f"{cls.__name__}: {reason}"))
    return Loaded(found, problems)


def _import(path: Path) -> tuple[ModuleType | None, FileProblem | None]:
    """The file run as a module of its own, or where and why it failed."""
    name = "user_strategies." + re.sub(r"\W", "_", path.stem)
    try:
        source = path.read_text(encoding="utf-8")
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        return None, FileProblem(str(path), error.lineno, f"syntax error: {error.msg}")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, FileProblem(str(path), None, f"cannot be read: {error}")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the user's own strategy file, by design
    except Exception as error:
        sys.modules.pop(name, None)
        return None, FileProblem(str(path), _error_line(error, path), _describe(error))
    return module, None


def _check(cls: type[Strategy], taken: Mapping[str, type[Strategy]]) -> str | None:
    """Why this class cannot be a strategy, or None when it can."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        return f"name must be lower-case letters, digits and _ (got {name!r})"
    if name in taken:
        return f"name {name!r} is taken by another strategy"
    if not isinstance(getattr(cls, "title", None), str):
        return "title (a short text for the dashboard) is missing"
    if not (inspect.isclass(cls.Params) and issubclass(cls.Params, StrategyParams)):
        return "Params must be a subclass of StrategyParams"
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:
        return f"missing {', '.join(missing)}"
    try:
        strategy = cls(cls.Params())
    except ValidationError as error:
        return f"default parameters fail validation: {_first_error(error)}"
    except Exception as error:
        return _describe(error)
    return _trial(strategy)


def _trial(strategy: Strategy) -> str | None:
    """Evaluate once on random bars: an error here would otherwise surface on a live bar."""
    try:
        warmup = strategy.warmup
        if not isinstance(warmup, int) or warmup < 1:
            return f"warmup must be a whole number of bars >= 1, got {warmup!r}"
        strategy.evaluate(trial_frame(max(_TRIAL_BARS, strategy.history + 2)))
    except Exception as error:
        return f"fails on trial bars: {_describe(error)}"
    return None


def trial_frame(size: int, seed: int = 7) -> BarFrame:
    """A reproducible random walk of daily bars (for checks, not for judging a strategy)."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, size)))
    opens = close * (1 + rng.normal(0, 0.003, size))
    return BarFrame(
        "TRIAL",
        np.datetime64("2024-01-02T14:30", "us") + np.arange(size) * np.timedelta64(1, "D"),
        opens,
        np.maximum(opens, close) * 1.005,
        np.minimum(opens, close) * 0.995,
        close,
        rng.integers(1_000, 5_000, size).astype(np.float64),
    )


def _line_of(cls: type) -> int | None:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None


def _error_line(error: BaseException, path: Path) -> int | None:
    """The innermost line of `path` in the error's traceback (a SyntaxError knows its own)."""
    if isinstance(error, SyntaxError):
        return error.lineno
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def _first_error(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"])
    return f"{where}: {item['msg']}" if where else str(item["msg"])
