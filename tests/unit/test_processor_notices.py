"""Processors' webhook events: signatures checked (good, bad, stale), and each event read into
what the payment should learn."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import orjson
import pytest

from payment_saga.domain.errors import InvalidRequest
from payment_saga.domain.states import Ledger, PaymentStatus, TransitionError
from payment_saga.processors.authorizenet.notices import authorizenet_event
from payment_saga.processors.stripe.notices import stripe_event

SECRET = "whsec_unit"
ANET_KEY = "ABCDEF0123456789" * 8


def stripe_signed(event: dict[str, Any], at: float | None = None) -> tuple[bytes, str]:
    """A body and its `Stripe-Signature`, made the way Stripe makes them."""
    payload = orjson.dumps(event)
    timestamp = int(at if at is not None else time.time())
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={digest}"


def dispute(kind: str, status: str) -> dict[str, Any]:
    return {"id": "evt_1", "type": kind, "data": {"object": {
        "id": "du_1", "object": "dispute", "payment_intent": "pi_1", "reason": "fraudulent",
        "status": status,
    }}}  # fmt: skip


def test_a_dispute_opened_is_about_its_payment_intent() -> None:
    event = stripe_event(
        *stripe_signed(dispute("charge.dispute.created", "needs_response")), SECRET
    )
    assert (event.event_id, event.payment_reference) == ("evt_1", "pi_1")
    assert event.notice is not None
    assert (event.notice.kind, event.notice.reason) == ("dispute_opened", "fraudulent")


@pytest.mark.parametrize(("status", "outcome"), [("won", "won"), ("lost", "lost"),
                                                 ("warning_closed", "won")])  # fmt: skip
def test_a_dispute_closed_says_who_won(status: str, outcome: str) -> None:
    event = stripe_event(*stripe_signed(dispute("charge.dispute.closed", status)), SECRET)
    assert event.notice is not None
    assert (event.notice.kind, event.notice.dispute_status) == ("dispute_closed", outcome)


def test_a_refund_that_failed_later_is_about_the_refund() -> None:
    refund = {"id": "evt_2", "type": "refund.failed", "data": {"object": {
        "id": "re_9", "object": "refund", "status": "failed", "payment_intent": "pi_1",
        "failure_reason": "expired_or_canceled_card",
    }}}  # fmt: skip
    event = stripe_event(*stripe_signed(refund), SECRET)
    assert event.refund_reference == "re_9"
    assert event.notice is not None
    assert (event.notice.kind, event.notice.reason) == ("refund_failed", "expired_or_canceled_card")


@pytest.mark.parametrize(
    "kind", ["payment_intent.amount_capturable_updated", "payment_intent.payment_failed"]
)
def test_an_intent_leaving_requires_action_ends_the_customers_action(kind: str) -> None:
    event = {
        "id": "evt_3",
        "type": kind,
        "data": {"object": {"id": "pi_3", "object": "payment_intent"}},
    }
    received = stripe_event(*stripe_signed(event), SECRET)

    assert received.notice is not None and received.notice.kind == "action_completed"
    assert received.payment_reference == "pi_3"


def test_other_stripe_events_tell_a_payment_nothing() -> None:
    event = stripe_event(*stripe_signed({"id": "evt_3", "type": "payment_intent.created"}), SECRET)
    assert event.notice is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, sig: (body + b" ", sig),  # the body changed
        lambda body, sig: (body, sig.replace("v1=", "v1=0")),  # the signature changed
        lambda body, sig: (body, ""),  # no signature
    ],
)
def test_a_bad_stripe_signature_is_refused(tamper: Any) -> None:
    body, signature = tamper(*stripe_signed(dispute("charge.dispute.created", "needs_response")))
    with pytest.raises(InvalidRequest) as refused:
        stripe_event(body, signature, SECRET)
    assert (refused.value.code, refused.value.param) == ("invalid_signature", "Stripe-Signature")


def test_a_stripe_signature_older_than_five_minutes_is_refused() -> None:
    stale = stripe_signed(dispute("charge.dispute.created", "x"), at=time.time() - 301)
    with pytest.raises(InvalidRequest):
        stripe_event(*stale, SECRET)


def test_authorizenet_signatures_are_hmac_sha512_of_the_body() -> None:
    body = orjson.dumps(
        {"notificationId": "n-1", "eventType": "net.authorize.payment.void.created"}
    )
    good = "sha512=" + hmac.new(ANET_KEY.encode(), body, hashlib.sha512).hexdigest().upper()
    event = authorizenet_event(body, good, ANET_KEY)
    assert (event.processor, event.event_id, event.notice) == ("authorizenet", "n-1", None)
    with pytest.raises(InvalidRequest):
        authorizenet_event(body + b"\n", good, ANET_KEY)


def test_a_refund_reversed_makes_the_money_refundable_again() -> None:
    refunded = Ledger(PaymentStatus.REFUNDED, 5000, authorized=5000, captured=5000, refunded=5000)
    partly = refunded.refund_reversed(2000)
    assert (partly.status, partly.refunded, partly.refundable) == (
        PaymentStatus.PARTIALLY_REFUNDED, 3000, 2000,
    )  # fmt: skip
    assert partly.refund_reversed(3000).status is PaymentStatus.CAPTURED
    with pytest.raises(TransitionError):
        partly.refund_reversed(3001)
