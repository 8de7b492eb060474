"""The command line and CSV loading: outputs people and programs can use, and one clear error
naming the row and column for every kind of bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.backtest import DataError, load_csv, run_csv
from tests.backtest.reference import random_frame

HEADER = "Date,Open,High,Low,Close,Volume\n"


def write_csv(path: Path, size: int = 300, seed: int = 9, header: str = HEADER) -> Path:
    frame = random_frame(size, seed)
    lines = [header] + [
        f"{str(frame.time[i])[:10]},{frame.open[i]},{frame.high[i]},{frame.low[i]},"
        f"{frame.close[i]},{frame.volume[i]}\n"
        for i in range(size)
    ]
    path.write_text("".join(lines))
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.backtest", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )


def test_json_output_has_metrics_trades_and_equity_curve(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "aapl.csv")
    done = cli(
        "--data",
        str(data),
        "--strategy",
        "sma_crossover",
        "--param",
        "fast=10",
        "--param",
        "slow=20",
        "--commission-bps",
        "0",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["symbols"] == ["AAPL"] and result["params"] == {"fast": 10, "slow": 20}
    assert len(result["equity_curve"]) == 300 and result["trades"]
    trade = result["trades"][0]
    assert {"entry_time", "entry_price", "exit_time", "exit_price", "size", "pnl"} <= set(trade)
    expected = run_csv([data], "sma_crossover", {"fast": 10, "slow": 20})
    assert result["metrics"]["final_equity"] == expected.metrics["final_equity"]
    assert result["equity_curve"][-1]["equity"] == expected.metrics["final_equity"]


def test_table_output_and_self_contained_report(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "msft.csv")
    report = tmp_path / "out.html"
    done = cli(
        "--data", str(data), "--strategy", "ema_crossover", "--long-only", "--report", str(report)
    )
    assert done.returncode == 0, done.stderr
    assert "final_equity" in done.stdout and "trades (" in done.stdout
    page = report.read_text()
    assert page.count("<svg") == 2 and "<polyline" in page and 'class="entry"' in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page


def test_portfolio_from_several_files(tmp_path: Path) -> None:
    first, second = write_csv(tmp_path / "a.csv", seed=1), write_csv(tmp_path / "b.csv", seed=2)
    done = cli("--data", str(first), "--data", str(second), "--strategy", "rsi_reversion", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["symbols"] == ["A", "B"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("Volume", "Vol"), "row 1: missing column 'volume'"),
        (lambda text: text.replace("Date", "Day"), "row 1: missing a time column"),
        (lambda text: _change(text, 4, 3, "n/a"), "row 5, column 'Low': 'n/a' is not a number"),
        (lambda text: _change(text, 7, 4, ""), "row 8, column 'Close': empty cell"),
        (lambda text: _change(text, 3, 0, "2010-13-40"), "row 4, column 'Date': '2010-13-40'"),
        (lambda text: _swap(text, 10, 11), "row 12, column 'Date': out-of-order timestamp"),
        (lambda text: _change(text, 6, 0, _cell(text, 5, 0)), "row 7, column 'Date': duplicate"),
        (lambda text: _change(text, 2, 1, "-1"), "row 3, column 'Open': -1: a price must be above"),
        (lambda text: _change(text, 2, 4, "0"), "row 3, column 'Close': 0: a price must be above"),
        (lambda text: _change(text, 5, 5, "-3"), "row 6, column 'Volume': -3: volume must not be"),
        (lambda text: _change(text, 9, 2, "0.5"), "row 10, column 'High': 0.5: the high is below"),
        (lambda text: "", "the file is empty"),
        (lambda text: HEADER, "no bars after the header"),
    ],
)
def test_bad_csv_names_row_and_column(tmp_path: Path, edit, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", size=30)
    path.write_text(edit(path.read_text()))
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        load_csv(path)


def test_cli_reports_a_bad_file_in_one_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", size=30)
    path.write_text(_change(path.read_text(), 4, 3, "n/a"))
    done = cli("--data", str(path), "--strategy", "sma_crossover")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {path}: row 5, column 'Low': 'n/a' is not a number"
    ]


def test_bad_parameters_are_reported_without_traceback(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "x.csv", size=50)
    done = cli("--data", str(data), "--strategy", "sma_crossover", "--param", "fast=30")
    assert done.returncode == 2 and "fast (30) must be smaller than slow (20)" in done.stderr
    done = cli("--data", str(data), "--strategy", "sma_crossover", "--param", "fast")
    assert done.returncode == 2 and "expected NAME=VALUE" in done.stderr


def test_any_case_headers_timestamps_with_offsets_and_bytes() -> None:
    text = (
        "timestamp,OPEN,high,Low,CLOSE,volume\n"
        "2024-03-01T14:30:00-05:00,1,2,0.5,1.5,10\n"
        "2024-03-01 19:31:00Z,1.5,2,1,1.8,12\n"
    )
    frame = load_csv(text.encode(), symbol="SPY")
    assert frame.symbol == "SPY" and frame.close.tolist() == [1.5, 1.8]
    assert [str(t) for t in frame.time] == [
        "2024-03-01T19:30:00.000000",
        "2024-03-01T19:31:00.000000",
    ]


def _cell(text: str, line: int, column: int) -> str:
    return text.splitlines()[line].split(",")[column]


def _change(text: str, line: int, column: int, value: str) -> str:
    lines = text.splitlines()
    cells = lines[line].split(",")
    cells[column] = value
    lines[line] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _swap(text: str, first: int, second: int) -> str:
    lines = text.splitlines()
    lines[first], lines[second] = lines[second], lines[first]
    return "\n".join(lines) + "\n"
