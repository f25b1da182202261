"""PayPal over HTTP, as a checkout and the order service go through it: the create answers
`requires_action` with PayPal's approval page, the payer approves (or cancels) there, PayPal
sends them to our return route and on to the shop, and the payment ends as PayPal says. The
stack takes PayPal payments beside the simulator's cards (GATEWAY_PAYPAL), through the PayPal
test server; tests/e2e/test_checkout_pages.py drives the approval in a real browser."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from payment_saga.config import Settings
from payment_saga.db.models import ProcessorEvent
from payment_saga.db.session import SessionFactory
from tests.e2e.conftest import create, new_key
from tests.e2e.test_customer_actions import come_back, press, settled

RETURN_URL = "https://shop.test/paypal/done"


def paypal_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": "ord_paypal", "amount": 4200, "currency": "EUR",
        "payment_method": {"type": "paypal"}, "return_url": RETURN_URL,
    }  # fmt: skip
    return {**body, **overrides}


async def waiting_for_payer(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await create(api, paypal_body(**overrides))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    assert payment["status"] == "requires_action" and payment["processor"] == "paypal"
    assert payment["payment_method"] == {"type": "paypal", "card": None}
    return payment


async def test_an_approved_paypal_payment_is_captured_and_refunded(api: httpx.AsyncClient) -> None:
    payment = await waiting_for_payer(api)
    page = payment["next_action"]["redirect_to_url"]["url"]
    assert "/checkoutnow?token=" in page

    back = await come_back((await press(page, "approve")).headers["location"])

    shop = urlsplit(back.headers["location"])
    assert parse_qs(shop.query)["redirect_status"] == ["succeeded"]
    captured = await settled(api, payment["id"], "captured")
    assert captured["amount_captured"] == 4200 and captured["next_action"] is None
    refund = await api.post(
        f"/v1/payments/{payment['id']}/refunds", json={"amount": 1200},
        headers={**new_key(), "Prefer": "wait=10"},
    )  # fmt: skip
    assert refund.status_code == 201, refund.text
    assert refund.json()["status"] == "succeeded" and refund.json()["gateway_reference"]


async def test_a_dispute_at_paypal_opens_and_closes_on_the_payment(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    """PayPal's `CUSTOMER.DISPUTE.CREATED` and `.RESOLVED` name the capture; the payment shows
    the dispute and its outcome, as Stripe's do."""
    payment = await waiting_for_payer(api)
    await come_back((await press(payment["next_action"]["redirect_to_url"]["url"], "approve"))
                    .headers["location"])  # fmt: skip
    captured = await settled(api, payment["id"], "captured")

    async with httpx.AsyncClient(base_url=settings.paypal.base_url(), timeout=10) as paypal:
        opened = await paypal.post(
            "/_fake/disputes", json={"authorization_id": captured["gateway_reference"]}
        )
        disputed = await until(api, payment["id"], lambda p: p["disputed"])
        assert disputed["dispute"]["status"] == "open"
        assert disputed["dispute"]["reason"] == "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"
        await paypal.post(
            f"/_fake/disputes/{opened.json()['dispute_id']}/resolve",
            json={"outcome_code": "RESOLVED_SELLER_FAVOUR"},
        )
    closed = await until(api, payment["id"], lambda p: not p["disputed"])
    assert closed["dispute"]["status"] == "won"


async def until(
    api: httpx.AsyncClient, payment_id: str, holds: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(150):
        payment: dict[str, Any] = (await api.get(f"/v1/payments/{payment_id}")).json()
        if holds(payment):
            return payment
        await asyncio.sleep(0.1)
    raise AssertionError(f"{payment_id}: {payment}")


async def test_a_payer_who_cancels_at_paypal_fails_the_payment(api: httpx.AsyncClient) -> None:
    payment = await waiting_for_payer(api, capture_method="manual")
    canceled = await press(payment["next_action"]["redirect_to_url"]["url"], "cancel")

    back = await come_back(canceled.headers["location"])

    assert parse_qs(urlsplit(back.headers["location"]).query)["redirect_status"] == ["failed"]
    failed = await settled(api, payment["id"], "failed")
    assert failed["failure"]["code"] == "action_canceled"


async def test_paypal_needs_a_return_url(api: httpx.AsyncClient) -> None:
    body = paypal_body()
    del body["return_url"]
    response = await create(api, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_missing", "return_url")


async def test_the_payment_methods_list_paypal(api: httpx.AsyncClient) -> None:
    methods = {m["type"]: m for m in (await api.get("/v1/payment-methods")).json()["data"]}
    assert methods["paypal"]["enabled"] is True
    assert "paypal" not in methods["card"]["card"]["processors"]


async def test_paypals_notice_ends_the_wait_when_the_payer_never_comes_back(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    payment = await waiting_for_payer(api, capture_method="manual")
    approved = await press(payment["next_action"]["redirect_to_url"]["url"], "approve")
    assert approved.status_code == 303  # the payer closes the browser: nobody follows it

    authorized = await settled(api, payment["id"], "authorized")

    assert authorized["amount_authorized"] == 4200
    # The notice is remembered once its payment's run took it, which may be just after.
    assert await notices_of(sessions, payment["id"]) == [("paypal", "CHECKOUT.ORDER.APPROVED")]


async def notices_of(sessions: SessionFactory, payment_id: str) -> list[tuple[str, str]]:
    """The processors' notices handled for the payment, once there are any (10 s at most)."""
    for _ in range(100):
        async with sessions() as session:
            found = await session.execute(
                select(ProcessorEvent).where(ProcessorEvent.payment_id == payment_id)
            )
            notices = [(event.processor, event.type) for event in found.scalars()]
        if notices:
            return notices
        await asyncio.sleep(0.1)
    return []


async def test_a_notice_paypal_did_not_sign_is_refused(api: httpx.AsyncClient) -> None:
    forged = {"id": "WH-FORGED", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "X"}}
    headers = {
        "PAYPAL-TRANSMISSION-ID": "t1", "PAYPAL-TRANSMISSION-TIME": "2026-12-06T10:00:00Z",
        "PAYPAL-TRANSMISSION-SIG": "forged", "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": "https://example.test/cert",
    }  # fmt: skip
    response = await api.post("/v1/webhooks/paypal", json=forged, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
