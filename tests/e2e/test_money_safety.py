"""Inputs, expiries and deadlines that once wedged a payment or moved money unrecorded."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from payment_saga.db.models import IdempotencyRecord, Refund
from payment_saga.db.session import SessionFactory
from payment_saga.domain import limits
from tests.e2e.conftest import create, new_key, payment_body


async def captured(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await create(api, payment_body(**overrides))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    return payment


async def expire(sessions: SessionFactory, key: str) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(expires_at=IdempotencyRecord.created_at)
        )


async def gateway_ledger(gateway: httpx.AsyncClient, payment_id: str) -> list[dict[str, Any]]:
    response = await gateway.get("/v1/ledger", params={"key_prefix": payment_id})
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_cancel_with_the_longest_reason_refunds_the_payment(api: httpx.AsyncClient) -> None:
    """A 100-character reason once failed the refund's insert and retried forever."""
    payment = await captured(api)
    reason = "r" * limits.REASON_MAX
    canceled = await api.post(f"/v1/payments/{payment['id']}/cancel", json={"reason": reason})
    assert canceled.status_code == 200, canceled.text
    assert (canceled.json()["status"], canceled.json()["amount_refunded"]) == ("refunded", 2500)
    refunds = (await api.get(f"/v1/payments/{payment['id']}/refunds")).json()["data"]
    assert [r["reason"] for r in refunds] == [reason]

    too_long = await api.post(f"/v1/payments/{payment['id']}/cancel", json={"reason": reason + "r"})
    assert (too_long.status_code, too_long.json()["error"]["param"]) == (400, "reason")


async def test_amount_over_the_maximum_is_refused_and_leaves_the_key_free(
    api: httpx.AsyncClient,
) -> None:
    headers = {**new_key(), "Prefer": "wait=10"}
    body = payment_body(amount=limits.DEFAULT_MAX_AMOUNT + 1)
    refused = await api.post("/v1/payments", json=body, headers=headers)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["param"]) == ("amount_too_large", "amount")

    body["amount"] = limits.DEFAULT_MAX_AMOUNT
    accepted = await api.post("/v1/payments", json=body, headers=headers)
    assert accepted.status_code == 201, accepted.text


async def test_expired_key_on_another_payment_makes_a_refund_of_that_payment(
    api: httpx.AsyncClient, sessions: SessionFactory, gateway_http: httpx.AsyncClient
) -> None:
    """Refund A with K; after K expired, K on B once answered A's refund and refunded B
    unrecorded."""
    first, second = await captured(api), await captured(api, amount=4000)
    key = {"Idempotency-Key": f"return-{uuid.uuid4().hex}"}
    on_first = await api.post(
        f"/v1/payments/{first['id']}/refunds", json={"amount": 100}, headers=key
    )
    assert on_first.status_code == 201, on_first.text
    await expire(sessions, key["Idempotency-Key"])

    on_second = await api.post(
        f"/v1/payments/{second['id']}/refunds", json={"amount": 200}, headers=key
    )
    assert on_second.status_code == 201, on_second.text
    refund = on_second.json()
    assert (refund["payment_id"], refund["amount"], refund["status"]) == (
        second["id"],
        200,
        "succeeded",
    )
    assert refund["id"] != on_first.json()["id"]
    assert (await api.get(f"/v1/payments/{second['id']}")).json()["amount_refunded"] == 200
    async with sessions() as session:
        rows = await session.execute(select(Refund).where(Refund.payment_id == second["id"]))
        assert [r.amount for r in rows.scalars()] == [200]
    refunded = [
        e for e in await gateway_ledger(gateway_http, second["id"]) if e["operation"] == "refund"
    ]
    assert [e["amount"] for e in refunded] == [200]


async def test_expired_key_is_a_new_payment(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    headers = {**new_key(), "Prefer": "wait=10"}
    body = payment_body()
    first = await api.post("/v1/payments", json=body, headers=headers)
    assert first.status_code == 201
    replay = await api.post("/v1/payments", json=body, headers=headers)
    assert replay.json()["id"] == first.json()["id"]  # within the TTL: the same payment

    await expire(sessions, headers["Idempotency-Key"])
    again = await api.post("/v1/payments", json=payment_body(amount=999), headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != first.json()["id"]
    assert again.json()["amount"] == 999


@pytest.mark.usefixtures("slow_gateway")
async def test_capture_answers_202_when_the_wait_runs_out(api: httpx.AsyncClient) -> None:
    created = await create(api, payment_body(capture_method="manual"), wait=15)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]

    pending = await api.post(f"/v1/payments/{pid}/capture", json={}, headers={"Prefer": "wait=1"})
    assert pending.status_code == 202, pending.text
    assert pending.json()["status"] == "authorized"  # as it stands; the capture goes on

    for _ in range(40):
        payment = (await api.get(f"/v1/payments/{pid}")).json()
        if payment["status"] == "captured":
            break
        await asyncio.sleep(0.5)
    assert payment["status"] == "captured"


@pytest.mark.usefixtures("slow_gateway")
async def test_refund_answers_202_with_the_pending_refund(api: httpx.AsyncClient) -> None:
    created = await create(api, payment_body(), wait=20)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    headers = {**new_key(), "Prefer": "wait=1"}
    pending = await api.post(f"/v1/payments/{pid}/refunds", json={"amount": 300}, headers=headers)
    assert pending.status_code == 202, pending.text
    refund = pending.json()
    assert (refund["status"], refund["amount"], refund["payment_id"]) == ("pending", 300, pid)

    for _ in range(40):
        response = await api.get(f"/v1/refunds/{refund['id']}")
        if response.status_code == 200 and response.json()["status"] == "succeeded":
            break
        await asyncio.sleep(0.5)
    assert response.json()["status"] == "succeeded"


async def lost_answer(sessions: SessionFactory, key: str) -> None:
    """What the API does to a key whose request failed on our side (a 503): the work's answer
    is not stored and the key is free for the client's retry."""
    async with sessions.begin() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(response_status=None, response_body=None, locked_until=func.now())
        )


@pytest.mark.parametrize("action", ["capture", "cancel"])
async def test_a_retried_capture_or_cancel_joins_the_first(
    api: httpx.AsyncClient, sessions: SessionFactory, gateway_http: httpx.AsyncClient, action: str
) -> None:
    """Capture and cancel updates once had random ids: the retry of one whose answer was lost
    met the payment it had already moved and got 409, stored under the key for good."""
    created = await create(api, payment_body(capture_method="manual"))
    payment_id = created.json()["id"]
    key = {"Idempotency-Key": f"{action}-{uuid.uuid4().hex}"}
    first = await api.post(f"/v1/payments/{payment_id}/{action}", json={}, headers=key)
    assert first.status_code == 200, first.text
    await lost_answer(sessions, key["Idempotency-Key"])

    retried = await api.post(f"/v1/payments/{payment_id}/{action}", json={}, headers=key)

    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == first.json()["status"]
    operations = [e["operation"] for e in await gateway_ledger(gateway_http, payment_id)]
    assert operations.count("capture" if action == "capture" else "void") == 1
