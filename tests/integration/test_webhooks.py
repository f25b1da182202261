"""Processors' webhooks through the running API to the payment's workflow: a dispute opened and
closed, a refund that failed after it was accepted; good, bad and replayed signatures. Each
ends with the audit (workflows included) at zero for its payment."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from typing import Any

import httpx
import orjson
from sqlalchemy import select
from temporalio.client import Client

from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent, Refund
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import create, payment_body
from tests.integration.test_lifecycle import audited
from tests.keys import ANET_SIGNATURE_KEY, STRIPE_WEBHOOK_SECRET
from workflows import search_attributes as attrs


def signed(event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    payload = orjson.dumps(event)
    timestamp = int(time.time())
    signature = hmac.new(
        STRIPE_WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return payload, {"Stripe-Signature": f"t={timestamp},v1={signature}"}


def stripe_event(kind: str, found: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": kind,
            "data": {"object": found}}  # fmt: skip


async def post(api: httpx.AsyncClient, event: dict[str, Any]) -> httpx.Response:
    payload, headers = signed(event)
    return await api.post("/v1/webhooks/stripe", content=payload, headers=headers)


async def captured_payment(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await create(api, payment_body(amount=2500))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    return payment


async def event_types(sessions: SessionFactory, payment_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent.type)
            .where(OutboxEvent.payment_id == payment_id)
            .order_by(OutboxEvent.sequence)
        )
    return list(rows.scalars())


async def disputed_attribute(temporal: Client, payment_id: str) -> bool | None:
    described = await temporal.get_workflow_handle(payment_id).describe()
    return described.typed_search_attributes.get(attrs.DISPUTED)


async def test_a_dispute_opens_and_closes_on_the_payment(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, temporal: Client
) -> None:
    payment = await captured_payment(api)
    dispute = {"id": "du_1", "object": "dispute", "payment_intent": payment["gateway_reference"],
               "reason": "fraudulent", "status": "needs_response"}  # fmt: skip
    opened = stripe_event("charge.dispute.created", dispute)

    answer = await post(api, opened)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": True, "duplicate": False, "payment_id": payment["id"]}
    shown = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert (shown["disputed"], shown["dispute"]) == (
        True,
        {"status": "open", "reason": "fraudulent"},
    )
    assert await disputed_attribute(temporal, payment["id"]) is True

    replayed = await post(api, opened)  # Stripe sends an event again until it sees a 2xx
    assert replayed.json()["duplicate"] is True

    closed = stripe_event("charge.dispute.closed", {**dispute, "status": "won"})
    assert (await post(api, closed)).status_code == 200
    shown = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert (shown["disputed"], shown["dispute"]["status"], shown["status"]) == (
        False, "won", "captured",
    )  # fmt: skip
    assert (await event_types(sessions, payment["id"]))[-2:] == [
        "payment.disputed", "payment.dispute_closed",
    ]  # fmt: skip
    assert await audited(sessions, settings, temporal, payment["id"]) == []


async def test_a_refund_that_fails_later_makes_the_money_refundable_again(
    api: httpx.AsyncClient,
    gateway_http: httpx.AsyncClient,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
) -> None:
    payment = await captured_payment(api)
    refunded = await api.post(
        f"/v1/payments/{payment['id']}/refunds", json={"amount": 1000},
        headers={"Idempotency-Key": uuid.uuid4().hex, "Prefer": "wait=10"},
    )  # fmt: skip
    assert refunded.status_code == 201, refunded.text
    async with sessions() as session:
        refund = await session.get(Refund, refunded.json()["id"])
        assert refund is not None and refund.gateway_reference is not None
    # The processor's books first (the card network returned the refund), then its webhook.
    taken_back = await gateway_http.post(f"/v1/admin/refunds/{refund.gateway_reference}/fail")
    assert taken_back.status_code == 200
    failed = stripe_event("refund.failed", {
        "id": refund.gateway_reference, "object": "refund", "status": "failed",
        "failure_reason": "expired_or_canceled_card",
    })  # fmt: skip

    assert (await post(api, failed)).status_code == 200
    shown = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert (shown["status"], shown["amount_refunded"]) == ("captured", 0)
    listed = (await api.get(f"/v1/payments/{payment['id']}/refunds")).json()["data"]
    assert [(r["status"], r["failure"]["code"]) for r in listed] == [("failed", "refund_failed")]
    assert (await event_types(sessions, payment["id"]))[-1] == "payment.refund_failed"
    assert await audited(sessions, settings, temporal, payment["id"]) == []


async def test_a_bad_signature_is_a_400_and_changes_nothing(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    payment = await captured_payment(api)
    before = await event_types(sessions, payment["id"])
    dispute = {"id": "du_2", "payment_intent": payment["gateway_reference"], "status": "x"}
    payload, headers = signed(stripe_event("charge.dispute.created", dispute))
    forged = payload.replace(b"du_2", b"du_3")

    answer = await api.post("/v1/webhooks/stripe", content=forged, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_signature"
    unsigned = await api.post("/v1/webhooks/stripe", content=payload)
    assert unsigned.status_code == 400
    await asyncio.sleep(0.5)
    assert (await api.get(f"/v1/payments/{payment['id']}")).json()["disputed"] is False
    assert await event_types(sessions, payment["id"]) == before


async def test_an_event_about_nothing_of_ours_is_taken_and_dropped(api: httpx.AsyncClient) -> None:
    dispute = {"id": "du_4", "payment_intent": "pi_not_ours", "status": "needs_response"}
    answer = await post(api, stripe_event("charge.dispute.created", dispute))
    assert answer.json() == {"received": True, "duplicate": False, "payment_id": None}


async def test_authorizenet_events_are_verified_and_deduplicated(api: httpx.AsyncClient) -> None:
    event = {
        "notificationId": str(uuid.uuid4()),
        "eventType": "net.authorize.payment.authorization.created",
        "payload": {"entityName": "transaction", "id": "60000000001"},
    }
    body = orjson.dumps(event)
    digest = hmac.new(ANET_SIGNATURE_KEY.encode(), body, hashlib.sha512).hexdigest().upper()
    headers = {"X-ANET-Signature": f"sha512={digest}"}

    first = await api.post("/v1/webhooks/authorizenet", content=body, headers=headers)
    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    again = await api.post("/v1/webhooks/authorizenet", content=body, headers=headers)
    assert again.json()["duplicate"] is True
    forged = await api.post("/v1/webhooks/authorizenet", content=body + b" ", headers=headers)
    assert forged.status_code == 400


async def test_notices_are_taken_only_from_processors_that_send_them(
    api: httpx.AsyncClient,
) -> None:
    """One route serves every processor the registry says signs notices; any other name (ours,
    or one we do not know) is a 404 and changes nothing."""
    for name in ("simulator", "adyen", "STRIPE"):
        refused = await api.post(f"/v1/webhooks/{name}", content=b"{}")
        assert refused.status_code == 404, (name, refused.text)
        assert refused.json()["error"]["code"] == "resource_missing"
