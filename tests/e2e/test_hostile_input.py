"""Hostile input gets a clear 4xx in the documented shape, never a 5xx, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from payment_saga.domain.limits import DEFAULT_MAX_AMOUNT
from tests.e2e.conftest import new_key, payment_body

SQL = "'; DROP TABLE payments; --"


def assert_client_error(response: httpx.Response, status: int = 400) -> dict[str, object]:
    assert response.status_code == status, response.text[:300]
    body: dict[str, object] = response.json()
    assert set(body) == {"error", "request_id"}
    return body


async def test_oversized_body_is_refused(api: httpx.AsyncClient) -> None:
    body = payment_body(description="x" * 2_000_000)
    response = await api.post("/v1/payments", json=body, headers=new_key())
    error = assert_client_error(response, 413)["error"]
    assert error["code"] == "request_too_large"  # type: ignore[index]


async def _chunks(total: int, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


async def test_oversized_chunked_body_is_refused(api: httpx.AsyncClient) -> None:
    # No Content-Length: the limit must hold while the body streams in, not only by header.
    response = await api.post(
        "/v1/payments",
        content=_chunks(256 * 1024),
        headers={**new_key(), "Content-Type": "application/json"},
    )
    error = assert_client_error(response, 413)["error"]
    assert error["code"] == "request_too_large"  # type: ignore[index]
    assert response.headers["X-Request-Id"].startswith("req_")


async def test_chunked_body_within_the_limit_is_served(api: httpx.AsyncClient) -> None:
    encoded = json.dumps(payment_body()).encode()

    async def one_chunk() -> AsyncIterator[bytes]:
        yield encoded

    response = await api.post(
        "/v1/payments",
        content=one_chunk(),
        headers={**new_key(), "Content-Type": "application/json", "Prefer": "wait=10"},
    )
    assert response.status_code == 201, response.text[:300]
    assert "Content-Length" not in response.request.headers


async def test_deeply_nested_json_is_refused(api: httpx.AsyncClient) -> None:
    deep = "[" * 20_000 + "]" * 20_000  # far past the parser's recursion limit, under 64 KiB
    response = await api.post(
        "/v1/payments",
        content=f'{{"order_id": "o", "metadata": {deep}}}'.encode(),
        headers={**new_key(), "Content-Type": "application/json"},
    )
    assert_client_error(response)


async def test_non_utf8_body_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/payments",
        content=b'{"order_id": "\xff\xfe"}',
        headers={**new_key(), "Content-Type": "application/json"},
    )
    assert_client_error(response)


@pytest.mark.parametrize("field", ["order_id", "customer_id", "description"])
async def test_sql_metacharacters_are_just_text(api: httpx.AsyncClient, field: str) -> None:
    body = payment_body(**{field: SQL}, metadata={SQL[:40]: SQL})
    response = await api.post("/v1/payments", json=body, headers={**new_key(), "Prefer": "wait=10"})
    assert response.status_code == 201
    assert response.json()[field] == SQL
    listed = await api.get("/v1/payments", params={"order_id": SQL})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "path", [f"/v1/payments/{SQL}", f"/v1/refunds/{SQL}", f"/v1/payments/{SQL}/timeline"]
)
async def test_sql_metacharacters_in_paths_are_404(api: httpx.AsyncClient, path: str) -> None:
    assert_client_error(await api.get(path), 404)


@pytest.mark.parametrize(
    ("amount", "status"),
    [(1, 201), (DEFAULT_MAX_AMOUNT, 201), (DEFAULT_MAX_AMOUNT + 1, 400), (10**15, 400),
     (10**15 + 1, 400), (-1, 400), (2**63, 400), (1e3, 201), (10.5, 400), ("1", 400), (None, 400),
     (True, 400)],
)  # fmt: skip
async def test_amounts_at_and_past_the_limits(
    api: httpx.AsyncClient, amount: object, status: int
) -> None:
    body = payment_body(amount=amount, capture_method="manual")
    response = await api.post("/v1/payments", json=body, headers={**new_key(), "Prefer": "wait=10"})
    assert response.status_code == status, response.text[:300]


@pytest.mark.parametrize("currency", ["XXX", "usd1", "", "EURO", "XAU", 840])
async def test_unknown_currencies(api: httpx.AsyncClient, currency: object) -> None:
    body = payment_body(currency=currency)
    error = assert_client_error(await api.post("/v1/payments", json=body, headers=new_key()))
    assert error["error"]["param"] == "currency"  # type: ignore[index]


async def test_wrong_content_type_and_empty_body(api: httpx.AsyncClient) -> None:
    for content, content_type in ((b"", "application/json"), (b"order_id=1", "text/plain")):
        response = await api.post(
            "/v1/payments", content=content, headers={**new_key(), "Content-Type": content_type}
        )
        assert_client_error(response)
    assert json.loads((await api.get("/v1/_info")).text)["service"] == "payment-saga"


@pytest.mark.parametrize("field", ["order_id", "customer_id", "description"])
async def test_nul_in_text_is_refused(api: httpx.AsyncClient, field: str) -> None:
    """PostgreSQL cannot store NUL: once a 500, or a payment whose step failed in the worker."""
    body = payment_body(**{field: "a\x00b"})
    error = assert_client_error(await api.post("/v1/payments", json=body, headers=new_key()))
    assert error["error"]["param"] == field  # type: ignore[index]
    body = payment_body(metadata={"k": "a\x00b"})
    assert_client_error(await api.post("/v1/payments", json=body, headers=new_key()))


@pytest.mark.parametrize(
    ("path", "params"),
    [("/v1/payments", {"starting_after": "pay_\x00"}), ("/v1/payments", {"order_id": "o\x00"}),
     ("/v1/payments/pay_%00", {}), ("/v1/refunds/re_%00", {})],
)  # fmt: skip
async def test_nul_in_queries_and_paths_is_a_400(
    api: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    """Schemathesis found `starting_after` with a NUL answering 500."""
    assert_client_error(await api.get(path, params=params))
