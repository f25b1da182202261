"""API keys and scopes; rate limits on an API instance of their own with small limits."""

from __future__ import annotations

import httpx

from api.main import create_app
from payment_saga.config import Settings
from payment_saga.db.apikeys import DEFAULT_ACCOUNT_ID, create_account, create_key, revoke
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import new_key, payment_body


async def key_with(sessions: SessionFactory, *scopes: str) -> str:
    return (await new_api_key(sessions, *scopes))[1]


async def new_api_key(sessions: SessionFactory, *scopes: str) -> tuple[str, str]:
    async with sessions.begin() as session:
        row, secret = await create_key(session, DEFAULT_ACCOUNT_ID, "test", scopes)
    return row.id, secret


async def test_no_key_or_bad_key_is_401(api: httpx.AsyncClient) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer sk_wrong"}):
        response = await api.get("/v1/payments", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"


async def test_missing_scope_is_403(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    reader = {"Authorization": f"Bearer {await key_with(sessions, 'payments:read')}"}
    assert (await api.get("/v1/payments", headers=reader)).status_code == 200
    response = await api.post("/v1/payments", json=payment_body(), headers={**reader, **new_key()})
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"


async def test_a_key_that_may_not_refund_cannot_refund_through_cancel(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    """Canceling a captured payment refunds it: without `refunds:write` that is a 403 and moves
    nothing, as `POST /refunds` is; voiding an authorized payment needs no refund scope."""
    writer = {
        "Authorization": f"Bearer {await key_with(sessions, 'payments:read', 'payments:write')}"
    }
    captured = await api.post(
        "/v1/payments", json=payment_body(), headers={**writer, **new_key(), "Prefer": "wait=10"}
    )
    assert captured.json()["status"] == "captured"
    cancel = f"/v1/payments/{captured.json()['id']}/cancel"

    refused = await api.post(cancel, json={}, headers={**writer, **new_key(), "Prefer": "wait=10"})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    after = await api.get(f"/v1/payments/{captured.json()['id']}", headers=writer)
    assert (after.json()["status"], after.json()["amount_refunded"]) == ("captured", 0)
    manual = payment_body(capture_method="manual")
    authorized = await api.post(
        "/v1/payments", json=manual, headers={**writer, **new_key(), "Prefer": "wait=10"}
    )
    voided = await api.post(
        f"/v1/payments/{authorized.json()['id']}/cancel",
        json={},
        headers={**writer, **new_key(), "Prefer": "wait=10"},
    )
    assert (voided.status_code, voided.json()["status"]) == (200, "canceled")


async def test_revoked_key_is_401(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    key_id, secret = await new_api_key(sessions, "payments:read")
    async with sessions.begin() as session:
        assert await revoke(session, key_id)
    response = await api.get("/v1/payments", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


async def test_rate_limit_headers_and_429(settings: Settings, sessions: SessionFactory) -> None:
    limited = settings.model_copy(deep=True)
    # A token every 12 s: a slow machine taking 0.6 s over six requests once refilled one at
    # 100 a minute, and the sixth passed.
    limited.api.rate_limit_per_minute, limited.api.rate_limit_burst = 5, 5
    app = create_app(limited)
    async with sessions.begin() as session:  # an account of its own: counts are shared
        account = await create_account(session, "rate-limited")
        _, secret = await create_key(session, account.id, "test", ("payments:read",))
    headers = {"Authorization": f"Bearer {secret}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        responses = [await client.get("/v1/payment-methods", headers=headers) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses[:5]] == ["4", "3", "2", "1", "0"]
    assert responses[0].headers["X-RateLimit-Limit"] == "5"
    assert int(responses[5].headers["Retry-After"]) >= 1
    assert responses[5].json()["error"]["type"] == "rate_limit_error"
