"""The deployed API under load through nginx, beside nginx's own static speed, with the engine.

Side by side in one run, each with `wrk` at 50 connections: the dashboard's index (nginx alone,
the ceiling), /api/health and an authenticated 50-row /api/orders page; each with req/s, p50,
p99 and errors, and its ratio to the static figure. The engine's bar-to-order latency
(trading_bot_engine_bar_latency_seconds) is read before and after every load phase, so the p99
of the batches that ran during the load is known to the histogram's bucket.
Targets: /api/health >= 2,000 req/s, p99 < 50 ms; the list >= 500 req/s, p99 < 100 ms; no
errors; the engine's p99 < 50 ms while the load runs.
Run: make up && make bench-api (scripts/bench-api.sh passes the stack's address and login).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROWS = 50
# wrk prints one JSON line at the end of a run (its Lua `done` hook).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"socket":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
TARGETS = {"/api/health": (2000.0, 50.0), f"/api/orders?limit={ROWS}": (500.0, 100.0)}
BAR_SERIES = "trading_bot_engine_bar_latency_seconds"


@dataclass(frozen=True)
class Figures:
    path: str
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    engine_batches: int
    engine_p99: str


def call(base: str, method: str, path: str, token: str = "", body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def login(base: str, password: str) -> str:
    answer = call(base, "POST", "/api/auth/login", body={"username": "admin", "password": password})
    assert isinstance(answer, dict)
    return str(answer["access_token"])


def ensure_rows(base: str, token: str) -> int:
    """At least ROWS orders for the list: resting buy limits far under any price, if missing."""
    page = call(base, "GET", "/api/orders?limit=1", token)
    assert isinstance(page, dict)
    missing = max(0, ROWS - int(page["total"]))
    for number in range(missing):
        order = {"symbol": "AAPL", "side": "buy", "qty": 1, "type": "limit", "limit_price": 1.0}
        order["client_order_id"] = f"bench-{os.getpid()}-{number}"
        call(base, "POST", "/api/orders", token, order)
    return missing


def bar_buckets(metrics_command: list[str]) -> dict[float, float]:
    """Cumulative bucket counts of the engine's bar-to-order histogram, by upper bound."""
    text = subprocess.run(metrics_command, capture_output=True, text=True, check=True).stdout
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(f"{BAR_SERIES}_bucket{{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def engine_p99(before: dict[float, float], after: dict[float, float]) -> tuple[int, str]:
    """Batches between two scrapes and the bucket their p99 falls in ("<= 25 ms")."""
    delta = {bound: after.get(bound, 0.0) - before.get(bound, 0.0) for bound in sorted(after)}
    total = int(delta.get(float("inf"), 0.0))
    if total == 0:
        return 0, "no batch"
    for bound, count in delta.items():
        if count >= 0.99 * total:
            return total, "> 10 s" if bound == float("inf") else f"<= {bound * 1000:g} ms"
    return total, "?"


def run_wrk(url: str, headers: list[str], seconds: int, connections: int, script: Path) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), "--latency"]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    report: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def phase(args: argparse.Namespace, path: str, token: str, script: Path) -> Figures:
    headers = [f"Authorization: Bearer {token}"] if path.startswith("/api/orders") else []
    before = bar_buckets(args.metrics_command)
    report = run_wrk(args.base + path, headers, args.seconds, args.connections, script)
    batches, p99 = engine_p99(before, bar_buckets(args.metrics_command))
    return Figures(
        path=path,
        rate=report["requests"] / (report["duration_us"] / 1e6),
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=report["non2xx"] + report["socket"],
        engine_batches=batches,
        engine_p99=p99,
    )


def verdict(figures: Figures) -> str:
    if figures.path not in TARGETS:
        return "(ceiling)"
    rate, p99 = TARGETS[figures.path]
    ok = figures.rate >= rate and figures.p99_ms < p99 and figures.errors == 0
    return f"{'ok' if ok else 'MISSED'} (>= {rate:g} req/s, p99 < {p99:g} ms, 0 errors)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the stack through nginx, e.g. http://127.0.0.1:3000")
    parser.add_argument("--password-file", required=True, type=Path)
    parser.add_argument("--metrics", required=True, help="command printing /api/metrics")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    args.metrics_command = shlex.split(args.metrics)
    token = login(args.base, args.password_file.read_text().strip())
    print(f"placed {ensure_rows(args.base, token)} resting orders for the {ROWS}-row list")
    paths = ["/", "/api/health", f"/api/orders?limit={ROWS}"]
    rounds: dict[str, list[Figures]] = {path: [] for path in paths}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_REPORT)
        script.flush()
        quiet_before = bar_buckets(args.metrics_command)
        subprocess.run(["sleep", str(args.seconds)], check=True)
        quiet = engine_p99(quiet_before, bar_buckets(args.metrics_command))
        for _ in range(args.rounds):
            for path in paths:
                rounds[path].append(phase(args, path, token, Path(script.name)))
    print(
        f"\nload average {os.getloadavg()[0]:.2f}; {args.connections} connections, "
        f"{args.seconds} s per phase, {args.rounds} rounds (their median, then each round)"
    )
    print(f"engine with no load: {quiet[0]} bar batches, p99 {quiet[1]}")
    header = f"{'path':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'x static':>10}"
    print(f"{header}  {'engine p99 (batches)':<24}verdict")
    static = statistics.median(f.rate for f in rounds["/"])
    for path in paths:
        runs = rounds[path]
        median = Figures(
            path=path,
            rate=statistics.median(f.rate for f in runs),
            p50_ms=statistics.median(f.p50_ms for f in runs),
            p99_ms=statistics.median(f.p99_ms for f in runs),
            errors=sum(f.errors for f in runs),
            engine_batches=sum(f.engine_batches for f in runs),
            engine_p99=max((f.engine_p99 for f in runs), key=_bucket_order),
        )
        for figures in [median, *runs]:
            label = path if figures is median else "  one round"
            engine = f"{figures.engine_p99} ({figures.engine_batches})"
            print(
                f"{label:<22}{figures.rate:>9.0f}{figures.p50_ms:>9.1f}{figures.p99_ms:>9.1f}"
                f"{figures.errors:>8}{figures.rate / static:>10.2f}  {engine:<24}"
                f"{verdict(figures) if figures is median else ''}"
            )


def _bucket_order(text: str) -> float:
    """Sort key of an engine_p99 text: its bound in ms (no batch first, over 10 s last)."""
    if text.startswith("<= "):
        return float(text[3:].split()[0])
    return -1.0 if text == "no batch" else float("inf")


if __name__ == "__main__":
    sys.exit(main())
