"""The user's strategy files: good ones join the built-ins; each broken one is reported with
file, line and reason, and leaves the others running. The documented example loads, checks
and backtests."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.cli import main as cli
from app.core.config import Settings
from app.main import create_app
from app.strategies import BUILTIN, PROBLEMS, STRATEGIES, build, load_user_strategies
from app.strategies.files import load_directory, load_file
from tests.conftest import login
from tests.strategies.test_strategies import random_frame

EXAMPLE = Path(__file__).resolve().parents[3] / "strategies" / "channel_breakout.py"

GOOD = """
from typing import ClassVar

import talib
from pydantic import Field

from app.strategies import Signals, Strategy, StrategyParams, crossed_above, crossed_below


class MomentumParams(StrategyParams):
    period: int = Field(10, ge=2, le=100)


class Momentum(Strategy):
    name = "momentum"
    title = "Momentum"
    Params: ClassVar[type[StrategyParams]] = MomentumParams

    @property
    def warmup(self) -> int:
        return self.params.period + 2

    def signals(self, bars):
        mom = talib.MOM(bars.close, self.params.period)
        return Signals(crossed_above(mom, 0), crossed_below(mom, 0), values={"mom": mom})
"""

BODY = """
from app.strategies import Signals, Strategy


class Thing(Strategy):
    name = "{name}"
    title = "A thing"
    warmup = 2

    def signals(self, bars):
        return Signals(bars.close > 0, bars.close < 0)
"""

BROKEN = {
    "syntax.py": ("x = 1\ndef broken(:\n", 2, "syntax error"),
    "imports.py": ("import os\nimport not_a_module_at_all\n", 2, "ModuleNotFoundError"),
    "missing.py": (
        "from app.strategies import Strategy\n\n\nclass Half(Strategy):\n"
        "    name = 'half'\n    title = 'Half'\n    warmup = 3\n",
        4,
        "Half: missing signals",
    ),
    "clash.py": (BODY.format(name="sma_crossover"), 5, "'sma_crossover' is taken"),
    "badname.py": (BODY.format(name="Bad Name"), 5, "name must be lower-case"),
    "params.py": (
        "from typing import ClassVar\nfrom pydantic import Field\n"
        "from app.strategies import Signals, Strategy, StrategyParams\n\n\n"
        "class P(StrategyParams):\n    period: int = Field(1, ge=2)\n\n\n"
        "class Bad(Strategy):\n    name = 'bad_params'\n    title = 'Bad'\n"
        "    Params: ClassVar[type[StrategyParams]] = P\n    warmup = 2\n\n"
        "    def signals(self, bars):\n        return Signals(False, False)\n",
        10,
        "default parameters fail validation: period",
    ),
    "shape.py": (
        BODY.replace("bars.close > 0, bars.close < 0", "[True], [False]").format(name="shape"),
        5,
        "fails on trial bars: ValueError: signals buy has shape (1,)",
    ),
    "empty.py": ("VALUE = 1\n", None, "defines no Strategy subclass"),
}


@pytest.fixture
def restore_registry() -> Iterator[None]:
    yield
    load_user_strategies(None)


def test_a_good_file_gives_a_strategy_that_evaluates(tmp_path: Path) -> None:
    (tmp_path / "momentum.py").write_text(GOOD)
    loaded = load_file(tmp_path / "momentum.py", BUILTIN)
    assert loaded.problems == []
    strategy = loaded.strategies["momentum"].from_params({"period": 5})
    series = strategy.evaluate(random_frame())
    assert series.indices().size > 4
    signal = series.at(int(series.indices()[0]))
    assert signal is not None and signal.strategy == "momentum" and "mom" in signal.reason


@pytest.mark.parametrize("file", BROKEN)
def test_each_broken_file_is_reported_with_file_line_and_reason(tmp_path: Path, file: str) -> None:
    source, line, reason = BROKEN[file]
    (tmp_path / file).write_text(textwrap.dedent(source))
    loaded = load_file(tmp_path / file, BUILTIN)
    assert loaded.strategies == {}
    [problem] = loaded.problems
    assert (problem.file, problem.line) == (str(tmp_path / file), line)
    assert reason in problem.reason


def test_a_directory_loads_its_good_files_whatever_the_broken_ones(tmp_path: Path) -> None:
    for file, (source, _, _) in BROKEN.items():
        (tmp_path / file).write_text(source)
    (tmp_path / "momentum.py").write_text(GOOD)
    (tmp_path / "twice.py").write_text(GOOD)  # the same name again: the second is refused
    loaded = load_directory(tmp_path, BUILTIN)
    assert list(loaded.strategies) == ["momentum"]
    assert len(loaded.problems) == len(BROKEN) + 1
    assert any("twice.py" in p.file and "'momentum' is taken" in p.reason for p in loaded.problems)
    missing = load_directory(tmp_path / "nowhere", BUILTIN)
    assert missing.strategies == {} and "does not exist" in missing.problems[0].reason


async def test_the_api_lists_the_user_strategies_and_reports_the_broken_files(
    settings: Settings, tmp_path: Path, restore_registry: None
) -> None:
    (tmp_path / "momentum.py").write_text(GOOD)
    (tmp_path / "syntax.py").write_text(BROKEN["syntax.py"][0])
    api, app = create_app(settings.model_copy(update={"strategies_dir": str(tmp_path)}))
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            health = (await http.get("/api/health")).json()
            headers = await login(http)
            listed = (await http.get("/api/strategies", headers=headers)).json()
            problems = (await http.get("/api/strategies/problems", headers=headers)).json()
    for reported in (health["strategy_files"], problems):
        [problem] = reported
        assert (problem["file"], problem["line"]) == (str(tmp_path / "syntax.py"), 2)
        assert problem["reason"].startswith("syntax error")
    assert health["status"] == "ok"
    assert "momentum" in {entry["name"] for entry in listed}
    assert build("momentum").warmup == 12 and "momentum" in STRATEGIES and PROBLEMS


def test_the_documented_example_passes_strategy_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["strategy-check", str(EXAMPLE), "--bars", "600"]) == 0
    out = capsys.readouterr().out
    assert "strategy 'channel_breakout' (Channel breakout) loads" in out
    assert "total_return" in out and "trades (" in out


def test_strategy_check_fails_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "missing.py").write_text(BROKEN["missing.py"][0])
    assert cli(["strategy-check", str(tmp_path / "missing.py")]) == 1
    assert f"error: {tmp_path / 'missing.py'}:4: Half: missing signals" in capsys.readouterr().err
