from datetime import timedelta

import httpx

from app.core.security import create_token
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
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "try again in" in blocked.json()["error"]["message"]


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
