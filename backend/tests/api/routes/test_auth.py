from datetime import timedelta

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from socketio import ASGIApp

from app.core import security
from app.core.config import Settings
from app.core.security import create_token
from app.main import create_app
from tests.conftest import ADMIN_PASSWORD, TOKEN_SECRET


async def test_login_returns_a_token_that_opens_protected_routes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() == {"username": "admin"}


async def test_wrong_password_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_wrong_user_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": "root", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 401


async def test_failed_logins_are_limited_then_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/auth/login", json={"username": "admin", "password": "bad"}
        )
        assert response.status_code == 401
    blocked = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 30
    assert "try again in" in blocked.json()["error"]["message"]


async def test_a_lockout_binds_one_address_the_owner_logs_in_from_another(
    api_app: tuple[FastAPI, ASGIApp],
) -> None:
    """Five failures from an attacker's address cannot lock the owner out (per user and address)."""
    async with _client_from(api_app, "198.51.100.66") as attacker:
        for _ in range(6):
            await attacker.post("/api/auth/login", json={"username": "admin", "password": "bad"})
        right = {"username": "admin", "password": ADMIN_PASSWORD}
        assert (await attacker.post("/api/auth/login", json=right)).status_code == 429
    async with _client_from(api_app, "203.0.113.8") as owner:
        assert (await owner.post("/api/auth/login", json=right)).status_code == 200


async def test_lockout_doubles_with_each_failure_after_the_free_ones(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    wrong = {"username": "admin", "password": "bad"}
    for _ in range(5):
        await client.post("/api/auth/login", json=wrong)
    first = int((await client.post("/api/auth/login", json=wrong)).headers["Retry-After"])
    await redis.delete(*[key async for key in redis.scan_iter("login-locked:*")])  # wait it out
    assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
    second = int((await client.post("/api/auth/login", json=wrong)).headers["Retry-After"])
    assert first == 30
    assert second == 60


async def test_every_failed_login_is_audited_with_the_client_address(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    await client.post("/api/auth/login", json={"username": "mallory", "password": "guess"})
    entries = (await client.get("/api/audit?action=login_failed", headers=auth_headers)).json()
    entry = entries["items"][0]
    assert (entry["actor"], entry["entity"], entry["entity_id"]) == ("mallory", "auth", "mallory")
    assert entry["after"]["client"] == "203.0.113.7"
    assert entry["after"]["failures"] == 1


async def test_unknown_and_known_user_names_cost_one_argon2_verification_each(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing does not tell which names exist: the same work is done for both."""
    calls: list[str] = []
    real_verify = security.verify_password

    def counting(password: str, password_hash: str) -> bool:
        calls.append(password_hash[:9])
        return real_verify(password, password_hash)

    monkeypatch.setattr(security, "verify_password", counting)
    for username in ("admin", "nobody-of-that-name"):
        response = await client.post(
            "/api/auth/login", json={"username": username, "password": "wrong"}
        )
        assert response.status_code == 401
    assert calls == ["$argon2id", "$argon2id"]


async def test_totp_is_required_when_configured_and_a_code_works_once(
    settings: Settings,
) -> None:
    secret = pyotp.random_base32()
    totp_settings = settings.model_copy(update={"admin_totp_secret": secret})
    api, app = create_app(totp_settings)
    async with api.router.lifespan_context(api), _client_from((api, app), "203.0.113.9") as http:
        body = {"username": "admin", "password": ADMIN_PASSWORD}
        missing = await http.post("/api/auth/login", json=body)
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "invalid_otp"
        code = pyotp.TOTP(secret).now()
        assert (await http.post("/api/auth/login", json={**body, "otp": code})).status_code == 200
        replayed = await http.post("/api/auth/login", json={**body, "otp": code})
        assert replayed.status_code == 401
        wrong_password = await http.post(
            "/api/auth/login", json={**body, "password": "bad", "otp": code}
        )
        assert wrong_password.json()["error"]["code"] == "invalid_credentials"


def _client_from(api_app: tuple[FastAPI, ASGIApp], address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api_app[1], client=(address, 4711))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_success_resets_the_failure_count(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.post("/api/auth/login", json={"username": "admin", "password": "bad"})
    ok = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert ok.status_code == 200
    for _ in range(4):
        response = await client.post(
            "/api/auth/login", json={"username": "admin", "password": "bad"}
        )
        assert response.status_code == 401


async def test_protected_route_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_expired_token_is_401(client: httpx.AsyncClient) -> None:
    expired = create_token("admin", TOKEN_SECRET, timedelta(seconds=-5)).token
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


async def test_forged_token_is_401(client: httpx.AsyncClient) -> None:
    forged = create_token(
        "admin", "another-secret-of-sufficient-length-000000", timedelta(minutes=5)
    ).token
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
