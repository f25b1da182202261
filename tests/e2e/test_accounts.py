"""Accounts keep their money apart: no caller sees or moves another account's objects."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.main import create_app
from api.sharedlimit import FLUSH_SECONDS
from payment_saga.config import Settings
from payment_saga.db.apikeys import create_account, create_key, revoke
from payment_saga.db.models import RateLimitWindow
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import new_key, payment_body


async def account_key(
    sessions: SessionFactory, account_id: str | None = None, **options: Any
) -> tuple[str, str, str]:
    """(account id, key id, secret): a key of the given account, or of a new one."""
    async with sessions.begin() as session:
        if account_id is None:
            account_id = (await create_account(session, f"shop-{uuid.uuid4().hex[:6]}")).id
        row, secret = await create_key(session, account_id, "test", **options)
    return account_id, row.id, secret


def client_for(settings: Settings, secret: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.AsyncClient(base_url=settings.api.base_url(), headers=headers, timeout=60)


@pytest.fixture
async def two_accounts(
    settings: Settings, sessions: SessionFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    _, _, first = await account_key(sessions)
    _, _, second = await account_key(sessions)
    async with client_for(settings, first) as mine, client_for(settings, second) as theirs:
        yield mine, theirs


async def test_a_token_pays_only_for_the_account_that_first_paid_with_it(
    two_accounts: tuple[httpx.AsyncClient, httpx.AsyncClient], gateway_http: httpx.AsyncClient
) -> None:
    """All accounts share one merchant account at the processor: another account's stored
    token paid for anyone who named it. Now it is the same 400 as a token nobody issued, and
    nothing is created."""
    mine, theirs = two_accounts
    card = {"number": "4242424242424242", "exp_month": 11, "exp_year": 2031, "cvc": "123"}
    token = (await gateway_http.post("/v1/tokens", json=card)).json()["token"]
    method = {"type": "token", "token": token}
    paid = await mine.post(
        "/v1/payments", json=payment_body(payment_method=method),
        headers={**new_key(), "Prefer": "wait=15"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.text

    body = payment_body(payment_method=method)
    refused = await theirs.post(
        "/v1/payments", json=body, headers={**new_key(), "Prefer": "wait=15"}
    )
    unknown = await theirs.post(
        "/v1/payments",
        json=payment_body(payment_method={"type": "token", "token": "tok_nobodyissuedthis"}),
        headers=new_key(),
    )

    assert refused.status_code == unknown.status_code == 400, refused.text
    assert refused.json()["error"] == unknown.json()["error"]
    listed = (await theirs.get("/v1/payments", params={"order_id": body["order_id"]})).json()
    assert listed["data"] == []
    again = await mine.post(
        "/v1/payments", json=payment_body(payment_method=method),
        headers={**new_key(), "Prefer": "wait=15"},
    )  # fmt: skip
    assert again.status_code == 201, again.text


async def test_another_account_sees_and_moves_nothing(
    two_accounts: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    mine, theirs = two_accounts
    body = payment_body(capture_method="manual", amount=5000)
    created = await mine.post("/v1/payments", json=body, headers={**new_key(), "Prefer": "wait=15"})
    assert created.status_code == 201, created.text
    payment = created.json()
    pid = payment["id"]
    await mine.post(f"/v1/payments/{pid}/capture", json={"amount": 4000})
    refund = await mine.post(f"/v1/payments/{pid}/refunds", json={"amount": 100}, headers=new_key())
    assert refund.status_code == 201, refund.text
    rid = refund.json()["id"]

    reads = [f"/v1/payments/{pid}", f"/v1/payments/{pid}/refunds", f"/v1/refunds/{rid}",
             f"/v1/payments/{pid}/timeline"]  # fmt: skip
    for path in reads:
        response = await theirs.get(path)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "resource_missing")
    listed = (await theirs.get("/v1/payments", params={"order_id": body["order_id"]})).json()
    assert listed["data"] == []
    reference = {"gateway_reference": payment["gateway_reference"]}
    assert (await theirs.get("/v1/payments", params=reference)).json()["data"] == []
    cursor = await theirs.get("/v1/payments", params={"starting_after": pid})
    assert cursor.status_code == 400
    writes = [(f"/v1/payments/{pid}/capture", {}), (f"/v1/payments/{pid}/cancel", {}),
              (f"/v1/payments/{pid}/refunds", {"amount": 100})]  # fmt: skip
    for path, json_body in writes:
        response = await theirs.post(path, json=json_body, headers=new_key())
        assert response.status_code == 404, (path, response.text)

    mine_now = (await mine.get(f"/v1/payments/{pid}")).json()
    assert (mine_now["amount_captured"], mine_now["amount_refunded"]) == (4000, 100)
    assert mine_now["account_id"] == payment["account_id"] != ""


async def test_idempotency_holds_across_a_key_rotation_not_across_accounts(
    settings: Settings, sessions: SessionFactory
) -> None:
    account, _, old_key = await account_key(sessions)
    _, _, new_key_secret = await account_key(sessions, account)
    _, _, other_account = await account_key(sessions)
    body, key = payment_body(), {**new_key(), "Prefer": "wait=15"}
    async with (
        client_for(settings, old_key) as before,
        client_for(settings, new_key_secret) as after,
        client_for(settings, other_account) as other,
    ):
        first = await before.post("/v1/payments", json=body, headers=key)
        retried = await after.post("/v1/payments", json=body, headers=key)
        elsewhere = await other.post("/v1/payments", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert retried.json()["id"] == first.json()["id"]  # the rotated key reaches the same payment
    assert elsewhere.status_code == 201
    assert elsewhere.json()["id"] != first.json()["id"]


async def test_a_revoked_key_stops_working_within_the_cache_bound(
    settings: Settings, sessions: SessionFactory
) -> None:
    _, key_id, secret = await account_key(sessions)
    async with client_for(settings, secret) as client:
        assert (await client.get("/v1/payments")).status_code == 200  # now cached
        async with sessions.begin() as session:
            await revoke(session, key_id)
        revoked_at = asyncio.get_running_loop().time()
        status = 200
        while status == 200 and asyncio.get_running_loop().time() - revoked_at < 30:
            status = (await client.get("/v1/payments")).status_code
            await asyncio.sleep(0.2)
        waited = asyncio.get_running_loop().time() - revoked_at
    assert status == 401
    assert waited <= settings.api.key_cache_seconds + 1


async def test_an_expired_key_is_refused(settings: Settings, sessions: SessionFactory) -> None:
    expired = datetime.now(UTC) - timedelta(seconds=1)
    _, _, secret = await account_key(sessions, expires_at=expired)
    async with client_for(settings, secret) as client:
        assert (await client.get("/v1/payments")).status_code == 401


async def test_failed_authentications_are_limited_per_address(
    settings: Settings, sessions: SessionFactory
) -> None:
    strict = settings.model_copy(deep=True)
    strict.api.auth_failures_per_minute = 3
    app = create_app(strict)
    _, _, secret = await account_key(sessions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        good = {"Authorization": f"Bearer {secret}"}
        assert (await client.get("/v1/payments", headers=good)).status_code == 200
        bad = {"Authorization": "Bearer sk_guess"}
        statuses = [(await client.get("/v1/payments", headers=bad)).status_code for _ in range(5)]
        # A key seen lately still works from that address; guesses get 429 without a query.
        assert (await client.get("/v1/payments", headers=good)).status_code == 200
    assert statuses == [401, 401, 401, 429, 429]


async def test_behind_a_trusted_proxy_failures_count_per_forwarded_client(
    settings: Settings, sessions: SessionFactory
) -> None:
    """Behind an ingress every client shares its address: 30 bad keys a minute from one
    locked out every client whose key was not cached (#27 item 5). From a trusted proxy the
    forwarded client counts; from anyone else the header is ignored."""
    statuses: dict[str, list[int]] = {}
    for trusted in ([], ["127.0.0.1"]):  # httpx's ASGI transport comes from 127.0.0.1
        strict = settings.model_copy(deep=True)
        strict.api.auth_failures_per_minute = 2
        strict.api.trusted_proxies = trusted
        app = create_app(strict)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
        ):
            for client_address in ("203.0.113.7", "203.0.113.7", "203.0.113.7", "203.0.113.8"):
                headers = {"Authorization": "Bearer sk_guess", "X-Forwarded-For": client_address}
                response = await client.get("/v1/payments", headers=headers)
                statuses.setdefault(str(trusted), []).append(response.status_code)
    assert statuses == {
        "[]": [401, 401, 429, 429],  # one peer: a forged header does not get around the limit
        "['127.0.0.1']": [401, 401, 429, 401],  # the other client is not locked out
    }


async def test_operator_surfaces_are_not_open_to_callers(settings: Settings) -> None:
    """/ready names the dependency that is down, never its error text; /docs can be off."""
    closed = settings.model_copy(deep=True)
    closed.kafka.bootstrap_servers = "127.0.0.1:9"  # nothing listens there
    closed.api.docs_enabled = False
    app = create_app(closed)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        ready = await client.get("/ready")
        docs = [(await client.get(path)).status_code for path in ("/docs", "/openapi.json")]
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"temporal": "ok", "postgres": "ok", "kafka": "unavailable"}
    assert docs == [404, 404]


async def test_an_accounts_limit_holds_across_api_processes(
    settings: Settings, sessions: SessionFactory
) -> None:
    """Two API instances share the account's counts (PostgreSQL), not one limit each."""
    limited = settings.model_copy(deep=True)
    limited.api.rate_limit_per_minute, limited.api.rate_limit_burst = 100, 4
    first, second = create_app(limited), create_app(limited)
    _, _, secret = await account_key(sessions)
    headers = {"Authorization": f"Bearer {secret}"}
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
        httpx.AsyncClient(transport=httpx.ASGITransport(first), base_url="http://a") as one,
        httpx.AsyncClient(transport=httpx.ASGITransport(second), base_url="http://b") as two,
    ):
        statuses = [
            (await client.get("/v1/payment-methods", headers=headers)).status_code
            for client in (one, two, one, two, one)
        ]
    # The burst window is 10 s: run at a window's edge, the counts may restart once.
    assert statuses.count(429) >= 1
    assert statuses[:4].count(200) >= 3


async def test_far_below_its_limits_an_account_is_counted_in_postgres_once_per_interval(
    settings: Settings, sessions: SessionFactory
) -> None:
    """Every request's count was a statement, and every request of one account waited on its
    window's row lock (#31): far below the limits a process now adds its counts at most every
    FLUSH_SECONDS, and none is lost."""
    app = create_app(settings)
    account_id, _, secret = await account_key(sessions)
    headers = {"Authorization": f"Bearer {secret}"}
    minute = int(time.time()) // 60
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as client,
    ):
        for _ in range(10):
            assert (await client.get("/v1/payment-methods", headers=headers)).status_code == 200
        first = await minute_count(sessions, account_id)
        await asyncio.sleep(FLUSH_SECONDS)
        assert (await client.get("/v1/payment-methods", headers=headers)).status_code == 200
        after = await minute_count(sessions, account_id)

    assert first < 10  # counted here, not yet in PostgreSQL
    if int(time.time()) // 60 == minute:  # else the minute turned and the counts split
        assert after == 11


async def minute_count(sessions: SessionFactory, account_id: str) -> int:
    async with sessions() as session:
        found = await session.execute(
            select(func.max(RateLimitWindow.count)).where(
                RateLimitWindow.account_id == account_id, RateLimitWindow.window_seconds == 60
            )
        )
    return int(found.scalar_one() or 0)


async def test_metrics_are_closed_without_an_operator_token(settings: Settings) -> None:
    """With no operator token set, /metrics was open to anyone (#27 item 6)."""
    unset = settings.model_copy(deep=True)
    unset.codec.operator_token = None
    app = create_app(unset)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        assert (await client.get("/metrics")).status_code == 404
        assert (
            await client.get("/metrics", headers={"Authorization": "Bearer "})
        ).status_code == 404
