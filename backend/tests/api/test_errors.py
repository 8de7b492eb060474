"""Bad requests get a 4xx in the one error shape, naming what is wrong."""

import httpx


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


async def test_wrong_types_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": 42, "password": "x"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == [{"field": "username", "message": "Input should be a valid string"}]


async def test_missing_field_is_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": "admin"})
    assert response.status_code == 422
    assert "password: Field required" in response.json()["error"]["message"]


async def test_huge_body_is_413_by_declared_length(client: httpx.AsyncClient) -> None:
    huge = b'{"username": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/api/auth/login", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


async def test_huge_streamed_body_without_length_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * (512 * 1024)

    response = await client.post(
        "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    made = await client.get("/api/health", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["X-Request-ID"]) == 32
