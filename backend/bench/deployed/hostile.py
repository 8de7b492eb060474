"""The deployed stack tried as a hostile outsider and a fault injector would, through nginx.

Five parts, each printing what it sent and what came back (the counts by status, every 5xx):
schemathesis over every operation (positive, negative, stateful; tests/support/fuzz.py), a few
hundred hand-made bad inputs (NUL and lone surrogates, deep and broken JSON, booleans and huge
numbers, oversized CSV cells and files, an unconfirmed kill switch), a few hundred forged bearer
tokens, X-Forwarded-For spoofing of the login limiter and of /api/metrics from the VPS itself,
and with --faults: each container killed and Docker restarted inside the VPS, with the seconds
until /api/health through nginx answers 200 again.
Expected: no 5xx anywhere, every forged token 401, the spoofed logins limited after 5, the
spoofed metrics 403, each fault recovered within 30 s.
Run: make up && make bench-hostile (scripts/bench-hostile.sh passes the address and login).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.fuzz import Budget, fuzz

UNITS = ["trading-db", "trading-redis", "trading-backend", "trading-frontend"]
RECOVERY_LIMIT = 30.0
ORDER = {"symbol": "AAPL", "side": "buy", "qty": 1, "type": "limit", "limit_price": 1.0}
CSV_HEADER = "timestamp,open,high,low,close,volume\n"


@dataclass
class Tally:
    """Statuses of a batch of requests, and which requests got a 5xx."""

    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # 2xx: the input was valid after all

    def add(self, label: str, status: int) -> None:
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors.append(f"{status} {label}")
        elif 200 <= status < 300:
            self.accepted.append(f"{status} {label}")

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def line(self) -> str:
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return f"{self.total} requests, {len(self.server_errors)} 5xx ({counts})"


@dataclass(frozen=True)
class Probe:
    label: str
    method: str
    path: str
    content: bytes | None = None
    content_type: str | None = "application/json"
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _field_mutations(value: object) -> Iterator[tuple[str, bytes]]:
    """Raw JSON texts to put in place of one field's value."""
    if isinstance(value, str):
        yield "NUL inside", _json(value + "\x00x")
        yield "lone surrogate", b'"\\ud800"'
        yield "100,000 characters", _json("x" * 100_000)
        yield "empty", b'""'
    yield from [
        ("true", b"true"),
        ("false", b"false"),
        ("null", b"null"),
        ("array", b"[1, 2]"),
        ("object", b'{"a": 1}'),
        ("1e999", b"1e999"),
        ("-1", b"-1"),
        ("2**70", str(2**70).encode()),
        ('"NaN"', b'"NaN"'),
        ("nested 40 deep", b"[" * 40 + b"]" * 40),
    ]


def _mutated_bodies(base: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    for name, value in base.items():
        for label, raw in _field_mutations(value):
            others = {key: item for key, item in base.items() if key != name}
            text = (
                _json(others)[:-1] + (b", " if others else b"") + _json(name) + b": " + raw + b"}"
            )
            yield f"{name} {label}", text
    yield "NUL in a key", _json({**base, "a\x00b": 1})
    yield "unknown field", _json({**base, "unexpected": 1})


_BROKEN_JSON = [
    ("truncated", b'{"symbol": "AA'),
    ("trailing comma", b'{"a": 1,}'),
    ("not UTF-8", b'{"a": "\xff\xfe"}'),
    ("empty body", b""),
    ("null", b"null"),
    ("an array", b"[]"),
    ("a string", b'"text"'),
    ("nested 33 deep", b"[" * 33 + b"]" * 33),
    ("nested 1,000 deep", b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
    ("2 MB string", _json({"a": "x" * 2_000_000})),
]


def bad_inputs(risk: dict[str, Any]) -> list[Probe]:
    """Hand-made hostile requests: mutated bodies of each write route, broken JSON, bad query and
    path values, hostile CSV uploads and kill switch bodies without the confirmation."""
    bodies: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/orders", dict(ORDER)),
        ("POST", "/api/strategies/instances", {"strategy": "sma_crossover", "symbol": "AAPL"}),
        ("POST", "/api/backtests", {"strategy": "sma_crossover", "symbol": "AAPL"}),
        ("PUT", "/api/risk", risk),
        ("POST", "/api/research/searches", {"strategy": "sma_crossover", "symbol": "AAPL"}),
        ("POST", "/api/auth/login", {"username": "hostile", "password": "wrong"}),
    ]
    probes = []
    for method, path, base in bodies:
        for label, text in _mutated_bodies(base):
            probes.append(Probe(f"{method} {path} {label}", method, path, text))
        for label, text in _BROKEN_JSON:
            probes.append(Probe(f"{method} {path} {label}", method, path, text))
        probes.append(
            Probe(f"{method} {path} as text/plain", method, path, _json(base), "text/plain")
        )
    for body in [b"", b"{}", b'{"flatten": true}', b'{"confirm": "yes"}', b'{"confirm": true}',
                 b'{"confirm": 1}', b'{"confirm": "KILL"}', b'{"confirm": "kill\\u0000"}',
                 b'{"confirm": "kill", "extra": 1}', b"confirm=kill"]:  # fmt: skip
        probes.append(Probe(f"kill {body[:30]!r}", "POST", "/api/engine/kill", body))
    for path in [
        "/api/orders",
        "/api/audit",
        "/api/signals",
        "/api/equity",
        "/api/analytics/trades",
    ]:
        for query in ["limit=-1", "limit=0", f"limit={10**30}", "limit=true", "limit=1.5",
                      "offset=-1", "offset=abc", f"offset={2**63}", "symbol=%00", "symbol=A%00B",
                      "entity=%00", "status=bogus", "symbol=%ED%A0%80", "limit=%00",
                      "symbol=" + "x" * 5000]:  # fmt: skip
            probes.append(Probe(f"GET {path}?{query[:40]}", "GET", f"{path}?{query}", None, None))
    for tail in ["0", "-1", "99999999999999999999999", "%00", "abc", "1e3", "..%2f..%2fetc"]:
        probes.append(Probe(f"GET /api/orders/{tail}", "GET", f"/api/orders/{tail}", None, None))
        probes.append(Probe(f"DELETE /api/orders/{tail}", "DELETE", f"/api/orders/{tail}"))
    for label, cells in [
        ("200,000-character cell", "x" * 200_000),
        ("5,000-character cell", "x" * 5_000),
        ("NUL cell", "a\x00b"),
        ("negative price", "-1"),
        ("NaN price", "nan"),
    ]:
        text = f"{CSV_HEADER}2024-01-02,{cells},1,1,1,1\n".encode()
        probes.append(_csv(label, text))
    probes.append(_csv("no header", b"1,2,3\n"))
    probes.append(_csv("not UTF-8", b"\xff\xfe\x00\x00garbage"))
    probes.append(_csv("binary zeros", b"\x00" * 10_000))
    probes.append(_csv("9 MB file", CSV_HEADER.encode() + b"2024-01-02,1,1,1,1,1\n" * 450_000))
    return probes


def _csv(label: str, text: bytes) -> Probe:
    return Probe(
        f"CSV upload: {label}",
        "POST",
        "/api/backtests",
        content_type=None,
        files={"file": ("bars.csv", text, "text/csv")},
        data={"strategy": "sma_crossover", "symbol": "CSV"},
    )


def send_bad_inputs(http: httpx.Client, token: str) -> Tally:
    auth = {"Authorization": f"Bearer {token}"}
    risk = http.get("/api/risk", headers=auth).json()
    tally = Tally()
    for probe in bad_inputs(risk):
        headers = dict(auth)
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        response = http.request(
            probe.method,
            probe.path,
            content=probe.content,
            files=probe.files,
            data=probe.data,
            headers=headers,
        )
        tally.add(probe.label, response.status_code)
    return tally


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(_json(value)).rstrip(b"=").decode()


def _signed(claims: dict[str, Any], secret: str, algorithm: str, **header: str) -> str:
    """An HMAC-signed JWT made by hand: PyJWT refuses the empty and short keys a forger tries."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[algorithm]
    signing_input = f"{_segment({'alg': algorithm, 'typ': 'JWT', **header})}.{_segment(claims)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def forged_tokens(valid: str) -> list[tuple[str, str | None]]:
    """(label, Authorization header) pairs that must all be refused."""
    header, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = int(time.time())
    forged_claims = {"sub": "admin", "iat": now, "exp": now + 3600}
    none = _segment({"alg": "none", "typ": "JWT"})
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    kid = _signed(forged_claims, "", "HS256", kid="../../dev/null")
    tokens: list[tuple[str, str | None]] = [
        ("no header", None),
        ("scheme only", "Bearer"),
        ("basic auth", "Basic " + base64.b64encode(b"admin:admin").decode()),
        ("token scheme", f"Token {valid}"),
        ("alg none", f"Bearer {none}.{_segment(forged_claims)}."),
        ("alg None", f"Bearer {_segment({'alg': 'None'})}.{_segment(forged_claims)}."),
        ("alg none, real payload", f"Bearer {_segment({'alg': 'none'})}.{payload}."),
        ("sub changed", f"Bearer {header}.{_segment({**claims, 'sub': 'root'})}.{signature}"),
        ("exp extended", f"Bearer {header}.{_segment({**claims, 'exp': now + 10**8})}.{signature}"),
        ("signature dropped", f"Bearer {header}.{payload}"),
        ("signature empty", f"Bearer {header}.{payload}."),
        ("signature truncated", f"Bearer {header}.{payload}.{signature[:-4]}"),
        ("signature flipped", f"Bearer {header}.{payload}.{flipped}"),
        ("extra segment", f"Bearer {valid}.AAAA"),
        ("RS256 header", f"Bearer {_segment({'alg': 'RS256'})}.{payload}.{signature}"),
        ("kid traversal", f"Bearer {kid}"),
        ("garbage 10", "Bearer " + "x" * 10),
        ("garbage 1,000", "Bearer " + "a.b." * 250),
        ("garbage 8,000", "Bearer " + "Z" * 8000),
        ("garbage 20,000", "Bearer " + "Z" * 20000),
        ("latin-1 bytes", "Bearer \xe9\xe8\xff"),
        ("two tokens", f"Bearer {valid} {valid}"),
    ]
    for secret in ["", "secret", "changethis", "trading-bot", uuid.uuid4().hex]:
        for algorithm in ["HS256", "HS384", "HS512"]:
            for name, extra in [("", {}), (" expired", {"exp": now - 60}), (" no exp", None)]:
                body = dict(forged_claims) if extra is not None else {"sub": "admin", "iat": now}
                body.update(extra or {})
                signed = _signed(body, secret, algorithm)
                tokens.append((f"{algorithm} secret {secret[:8]!r}{name}", f"Bearer {signed}"))
    return tokens


FORGED_TARGETS = [
    ("GET", "/api/orders?limit=1", None),
    ("GET", "/api/risk", None),
    ("GET", "/api/audit", None),
    ("POST", "/api/orders", ORDER),
    ("POST", "/api/engine/stop", None),
]


def send_forged_tokens(http: httpx.Client, valid: str) -> Tally:
    tally = Tally()
    for label, authorization in forged_tokens(valid):
        # As bytes: httpx would refuse to send a non-ASCII header given as text.
        headers = (
            {} if authorization is None else {"Authorization": authorization.encode("latin-1")}
        )
        for method, path, body in FORGED_TARGETS:
            response = http.request(method, path, json=body, headers=headers)
            tally.add(f"{label} {method} {path}", response.status_code)
    return tally


def vps_curl(vps: str, *arguments: str) -> int:
    """Status of one curl run inside the VPS (the host's own processes, as an intruder there)."""
    command = ["docker", "exec", vps, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
    done = subprocess.run([*command, *arguments], capture_output=True, text=True, check=False)
    return int(done.stdout or 0)


def spoofing(vps: str) -> list[tuple[str, list[int]]]:
    """Statuses of spoofed requests from the VPS: rotating addresses against the login limiter
    through nginx and straight to the API's loopback port, and loopback claims at /api/metrics."""
    rows = []
    for name, base in [("nginx", "http://127.0.0.1:3000"), ("direct", "http://127.0.0.1:8000")]:
        user = f"spoof-{name}-{uuid.uuid4().hex[:6]}"
        body = json.dumps({"username": user, "password": "wrong"})
        statuses = [
            vps_curl(vps, "-X", "POST", "-H", "Content-Type: application/json", "-d", body,
                     "-H", f"X-Forwarded-For: 198.51.100.{n}", f"{base}/api/auth/login")
            for n in range(1, 21)
        ]  # fmt: skip
        rows.append((f"20 logins, rotating X-Forwarded-For ({name})", statuses))
        claims = [
            ("X-Forwarded-For", "127.0.0.1"),
            ("X-Forwarded-For", "127.0.0.1, 127.0.0.1"),
            ("X-Real-IP", "127.0.0.1"),
            ("Forwarded", "for=127.0.0.1"),
        ]
        metrics = [
            vps_curl(vps, "-H", f"{header}: {value}", f"{base}/api/metrics")
            for header, value in claims
        ]
        rows.append((f"/api/metrics claiming loopback ({name}; 4 headers)", metrics))
    return rows


def healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def started_at(vps: str, name: str) -> str:
    command = ["docker", "exec", vps, "docker", "inspect", "-f", "{{.State.StartedAt}}", name]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def recovery(http: httpx.Client, vps: str, names: list[str], fault: list[str]) -> float:
    """Seconds from the fault until every named container has started anew and /api/health
    through nginx answers 200 (the dependency checks are cached for 1 s, older than any restart)."""
    before = {name: started_at(vps, name) for name in names}
    started = time.monotonic()
    subprocess.run(["docker", "exec", vps, *fault], capture_output=True, check=False)
    while time.monotonic() - started < 120:
        restarted = all(started_at(vps, name) not in ("", before[name]) for name in names)
        if restarted and healthy(http):
            return time.monotonic() - started
        time.sleep(0.25)
    return float("inf")


def faults(http: httpx.Client, vps: str) -> list[tuple[str, float]]:
    rows = []
    for name in UNITS:
        rows.append((f"docker kill {name}", recovery(http, vps, [name], ["docker", "kill", name])))
        while not healthy(http):
            time.sleep(0.5)
    restart = ["systemctl", "restart", "docker"]
    rows.append(("systemctl restart docker", recovery(http, vps, UNITS, restart)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the stack through nginx, e.g. http://127.0.0.1:3000")
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--vps", required=True, help="the VPS container (docker exec target)")
    parser.add_argument("--examples", type=int, default=40, help="schemathesis, per operation")
    parser.add_argument("--scenarios", type=int, default=100, help="schemathesis, stateful")
    parser.add_argument(
        "--faults", action="store_true", help="also kill containers, restart Docker"
    )
    args = parser.parse_args()
    with httpx.Client(base_url=args.base, timeout=60) as http:
        password = Path(args.password_file).read_text().strip()
        login = http.post("/api/auth/login", json={"username": "admin", "password": password})
        login.raise_for_status()
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        spec = http.get("/api/openapi.json", headers=headers).json()
        started = time.monotonic()
        report = fuzz(spec, args.base, headers, Budget(args.examples, args.scenarios, 8))
        print(
            f"schemathesis: {report.operations} operations, {sum(report.requests.values())} "
            f"requests {report.requests} in {time.monotonic() - started:.0f} s, "
            f"{report.server_errors} 5xx, {len(report.failures)} failures; statuses "
            + ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items()))
        )
        for failure in report.failures:
            print(f"  failure: {failure[:600]}")
        bad = send_bad_inputs(http, token)
        print(f"hand-made bad inputs: {bad.line()}")
        forged = send_forged_tokens(http, token)
        print(f"forged tokens: {forged.line()}")
        for label in [*bad.server_errors, *forged.server_errors]:
            print(f"  5xx: {label}")
        for label in [*bad.accepted, *forged.accepted]:
            print(f"  accepted: {label}")
        for label, statuses in spoofing(args.vps):
            print(f"spoofing, {label}: {statuses}")
        if args.faults:
            for fault, seconds in faults(http, args.vps):
                verdict = "ok" if seconds < RECOVERY_LIMIT else "MISSED"
                print(f"fault: {fault:<32} back healthy in {seconds:5.1f} s  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
