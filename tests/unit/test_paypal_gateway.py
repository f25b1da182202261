"""The PayPal adapter against the PayPal test server (in process): orders the payer approves,
authorizations captured, voided and refunded, each found again by its key, and PayPal's
documented unkind parts (tokens that expire, 500s after applying, holds that expire)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devtools.testservers.paypal.books import Books, Faults
from devtools.testservers.paypal.server import create_app
from payment_saga.domain.errors import (
    GatewayDeclined,
    GatewayNotFound,
    GatewayOutcomeUnknown,
    GatewayTransientError,
)
from payment_saga.processors.paypal.adapter import PayPalGateway
from payment_saga.processors.port import OperationQuery

BASE = "http://paypal.test"
RETURN = "http://api.test/v1/payments/pay_1/return"


@dataclass
class PayPal:
    gateway: PayPalGateway
    books: Books
    http: httpx.AsyncClient  # the payer's browser, and the tests' view of the server

    async def approve(self, page: str, outcome: str = "approve") -> httpx.Response:
        return await self.http.post(
            urlsplit(page).path + "?" + urlsplit(page).query, data={"outcome": outcome}
        )

    async def authorized(self, key: str, amount: int = 2500) -> str:
        """An order created, approved by the payer and authorized: the authorization's id."""
        order = await self.gateway.authorize("paypal", amount, "USD", key, RETURN)
        assert order.action_url is not None
        await self.approve(order.action_url)
        held = await self.gateway.action_outcome(order.authorization_id, key)
        assert held is not None
        return held.authorization_id


@pytest.fixture
async def paypal() -> AsyncIterator[PayPal]:
    books = Books("client", "secret")
    transport = httpx.ASGITransport(app=create_app(books, BASE))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield PayPal(PayPalGateway(http, "client", "secret"), books, http)


async def test_an_order_waits_for_the_payer_then_authorizes_once(paypal: PayPal) -> None:
    order = await paypal.gateway.authorize("paypal", 2500, "USD", "pay_1:authorize", RETURN)
    assert order.action_url == f"{BASE}/checkoutnow?token={order.authorization_id}"
    assert await paypal.gateway.action_outcome(order.authorization_id, "pay_1:authorize") is None

    back = await paypal.approve(order.action_url)
    assert back.status_code == 303 and back.headers["location"].startswith(f"{RETURN}?token=")
    held = await paypal.gateway.action_outcome(order.authorization_id, "pay_1:authorize")
    again = await paypal.gateway.action_outcome(order.authorization_id, "pay_1:authorize")

    assert held is not None and again == held
    assert (held.amount, held.currency) == (2500, "USD") and held.expires_at is not None
    assert held.authorization_id != order.authorization_id  # the order's authorization
    assert [e["operation"] for e in paypal.books.ledger] == ["authorize"]


async def test_capture_and_refund_are_found_by_their_keys(paypal: PayPal) -> None:
    auth = await paypal.authorized("pay_2:authorize")
    taken = await paypal.gateway.capture(auth, 2000, "pay_2:capture")
    made = await paypal.gateway.refund(auth, 500, "pay_2:refund:re_1")

    found_capture = await paypal.gateway.lookup(OperationQuery("capture", "pay_2:capture", auth))
    found_refund = await paypal.gateway.lookup(OperationQuery("refund", "pay_2:refund:re_1", auth))
    assert found_capture == taken and found_refund == made
    assert (taken.amount, made.amount) == (2000, 500)
    assert await paypal.gateway.lookup(OperationQuery("refund", "pay_2:refund:re_2", auth)) is None
    settled = await paypal.gateway.settlement(auth)
    assert (settled.captured, settled.refunded) == (2000, 500)
    assert (await paypal.gateway.hold(auth)).status == "captured"
    with pytest.raises(GatewayDeclined) as refused:
        await paypal.gateway.refund(auth, 1600, "pay_2:refund:re_3")
    assert refused.value.code == "amount_exceeds_refundable"


async def test_a_void_releases_the_hold_and_an_unapproved_order_holds_nothing(
    paypal: PayPal,
) -> None:
    auth = await paypal.authorized("pay_3:authorize")
    await paypal.gateway.void(auth, "pay_3:void")
    assert (await paypal.gateway.hold(auth)).status == "released"
    assert await paypal.gateway.lookup(OperationQuery("void", "pay_3:void", auth)) is not None

    order = await paypal.gateway.authorize("paypal", 900, "EUR", "pay_4:authorize", RETURN)
    with pytest.raises(GatewayNotFound):  # an order is not an authorization: nothing to void
        await paypal.gateway.void(order.authorization_id, "pay_4:void")
    assert (await paypal.gateway.hold(order.authorization_id)).status == "missing"


async def test_a_payer_who_cancels_is_sent_back_saying_so(paypal: PayPal) -> None:
    order = await paypal.gateway.authorize("paypal", 2500, "USD", "pay_5:authorize", RETURN)
    assert order.action_url is not None
    back = await paypal.approve(order.action_url, "cancel")

    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert query == {"canceled": ["true"], "token": [order.authorization_id]}
    assert await paypal.gateway.action_outcome(order.authorization_id, "pay_5:authorize") is None


async def test_an_expired_access_token_is_renewed(paypal: PayPal) -> None:
    await paypal.gateway.authorize("paypal", 100, "USD", "pay_6:authorize", RETURN)
    paypal.books.tokens = dict.fromkeys(paypal.books.tokens, 0.0)  # every token expired

    assert await paypal.gateway.authorize("paypal", 100, "USD", "pay_7:authorize", RETURN)
    assert len(paypal.books.tokens) == 2


async def test_credentials_refused_are_an_outage_not_a_decline(paypal: PayPal) -> None:
    paypal.books.faults = Faults(token_seconds=0)  # no token PayPal gives is accepted
    with pytest.raises(GatewayTransientError):
        await paypal.gateway.authorize("paypal", 100, "USD", "pay_8:authorize", RETURN)


async def test_a_500_after_applying_is_unknown_and_the_retry_gets_the_first_answer(
    paypal: PayPal,
) -> None:
    auth = await paypal.authorized("pay_8:authorize")
    paypal.books.faults = Faults(fail_after_applying=1)
    with pytest.raises(GatewayOutcomeUnknown):
        await paypal.gateway.capture(auth, 2500, "pay_8:capture")

    found = await paypal.gateway.lookup(OperationQuery("capture", "pay_8:capture", auth))
    again = await paypal.gateway.capture(auth, 2500, "pay_8:capture")

    assert found == again
    assert [e["operation"] for e in paypal.books.ledger] == ["authorize", "capture"]


async def test_a_hold_past_its_validity_cannot_be_captured(paypal: PayPal) -> None:
    paypal.books.faults = Faults(hold_seconds=0)
    auth = await paypal.authorized("pay_9:authorize")
    with pytest.raises(GatewayDeclined) as refused:
        await paypal.gateway.capture(auth, 2500, "pay_9:capture")
    assert refused.value.code == "authorization_expired"
    assert (await paypal.gateway.hold(auth)).status == "released"


async def test_requests_are_checked_against_paypals_schemas(paypal: PayPal) -> None:
    token = (
        await paypal.http.post(
            "/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=("client", "secret")
        )
    ).json()["access_token"]
    response = await paypal.http.post(
        "/v2/checkout/orders",
        json={
            "intent": "MAYBE",
            "purchase_units": [{"amount": {"currency_code": "USD", "value": 25}}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["name"] == "INVALID_REQUEST"
    assert paypal.books.orders == {}


async def test_a_notice_verifies_only_as_paypal_signed_it(paypal: PayPal) -> None:
    from devtools.testservers.paypal import webhooks
    from payment_saga.processors.paypal.notices import HEADERS, paypal_event

    paypal.books.webhook_id = WEBHOOK = "1JE4291016473214C"  # PayPal's ids: letters and digits
    event = {"id": "WH-EVT-1", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "O1"}}
    asked = {
        "auth_algo": "SHA256withRSA", "cert_url": webhooks.CERT_URL, "transmission_id": "t1",
        "transmission_time": "2026-12-06T10:00:00Z", "webhook_id": WEBHOOK, "webhook_event": event,
        "transmission_sig": webhooks.signature(paypal.books, "t1", "2026-12-06T10:00:00Z", event),
    }  # fmt: skip

    assert await paypal.gateway.verify_webhook(asked)
    assert not await paypal.gateway.verify_webhook({**asked, "webhook_id": "2JE4291016473214C"})
    tampered = {**event, "resource": {"id": "O2"}}
    assert not await paypal.gateway.verify_webhook({**asked, "webhook_event": tampered})
    assert set(HEADERS) | {"webhook_id", "webhook_event"} == set(asked)
    received = await paypal_event(event, paypal.gateway.authorization_of_capture)
    assert received.notice is not None and received.notice.kind == "action_completed"
    assert received.payment_reference == "O1"


@pytest.mark.parametrize(
    ("outcome_code", "status"),
    [("RESOLVED_SELLER_FAVOUR", "won"), ("RESOLVED_BUYER_FAVOUR", "lost"), ("NEW_CODE", "lost")],
)
async def test_a_dispute_names_the_payment_whose_capture_it_is_about(
    paypal: PayPal, outcome_code: str, status: str
) -> None:
    """PayPal's disputes name the capture (`seller_transaction_id`); our payment holds the
    authorization's id, which the capture's `related_ids` give."""
    from devtools.testservers.paypal import webhooks
    from payment_saga.processors.paypal.notices import paypal_event

    auth = await paypal.authorized("pay_9:authorize")
    taken = await paypal.gateway.capture(auth, 2500, "pay_9:capture")
    opened = (
        await paypal.http.post("/_fake/disputes", json={"capture_id": taken.reference})
    ).json()
    resolved = (
        await paypal.http.post(
            f"/_fake/disputes/{opened['dispute_id']}/resolve", json={"outcome_code": outcome_code}
        )
    ).json()

    read = paypal.gateway.authorization_of_capture
    first = await paypal_event(webhooks.dispute_event({**opened, "status": "OPEN"}), read)
    last = await paypal_event(webhooks.dispute_event(resolved), read)
    assert first.payment_reference == last.payment_reference == auth
    assert first.notice is not None and first.notice.kind == "dispute_opened"
    assert first.notice.reason == "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"
    assert last.notice is not None and last.notice.kind == "dispute_closed"
    assert last.notice.dispute_status == status

    stranger = {**opened, "disputed_transactions": [{"seller_transaction_id": "9XX00000"}]}
    unknown = await paypal_event(webhooks.dispute_event(stranger), read)
    assert unknown.payment_reference is None
