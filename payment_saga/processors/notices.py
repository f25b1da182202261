"""Processors' webhook events: their signatures checked, and what each says about a payment.

Stripe signs with `Stripe-Signature: t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">` (checked by
the SDK's helper, 300 s tolerance); Authorize.Net with `X-ANET-Signature: sha512=<HMAC-SHA512 of
the body>`, hex. A bad signature is an `InvalidRequest` (400) and nothing is read from the body.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson
import stripe

from payment_saga.domain.errors import InvalidRequest
from payment_saga.domain.messages import ProcessorNotice

STRIPE_TOLERANCE_SECONDS = 300
# Stripe's dispute statuses once closed, as ours (an inquiry closed without a chargeback: won).
DISPUTE_OUTCOMES = {"won": "won", "lost": "lost", "warning_closed": "won"}


@dataclass(frozen=True)
class WebhookEvent:
    """One processor event: its id (for dropping repeats), and what a payment should learn, if
    anything, with the processor's reference to find the payment or refund by."""

    processor: str
    event_id: str
    type: str
    notice: ProcessorNotice | None = None
    payment_reference: str | None = None
    refund_reference: str | None = None


def stripe_event(payload: bytes, signature: str, secret: str) -> WebhookEvent:
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode(), signature, secret, STRIPE_TOLERANCE_SECONDS
        )
        event: dict[str, Any] = orjson.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
        raise InvalidRequest(
            "the Stripe-Signature header does not verify", code="invalid_signature",
            param="Stripe-Signature",
        ) from None  # fmt: skip
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
    found: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    base = WebhookEvent("stripe", event_id, kind)
    if kind == "charge.dispute.created":
        notice = ProcessorNotice("stripe", event_id, "dispute_opened", reason=found.get("reason"))
        return _about_payment(base, notice, found.get("payment_intent"))
    if kind == "charge.dispute.closed":
        outcome = DISPUTE_OUTCOMES.get(str(found.get("status")), "lost")
        notice = ProcessorNotice(
            "stripe", event_id, "dispute_closed", dispute_status=outcome,
            reason=found.get("reason"),
        )  # fmt: skip
        return _about_payment(base, notice, found.get("payment_intent"))
    if kind in ("refund.failed", "charge.refund.updated") and found.get("status") == "failed":
        notice = ProcessorNotice(
            "stripe", event_id, "refund_failed", reason=found.get("failure_reason")
        )
        return WebhookEvent("stripe", event_id, kind, notice, refund_reference=found.get("id"))
    return base  # nothing a payment needs to learn


def _about_payment(base: WebhookEvent, notice: ProcessorNotice, intent: Any) -> WebhookEvent:
    reference = intent.get("id") if isinstance(intent, dict) else intent
    return WebhookEvent(base.processor, base.event_id, base.type, notice, reference)


def authorizenet_event(payload: bytes, signature: str, key: str) -> WebhookEvent:
    expected = hmac.new(key.encode(), payload, hashlib.sha512).hexdigest()
    given = signature.removeprefix("sha512=").strip().lower()
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass")):
        raise InvalidRequest(
            "the X-ANET-Signature header does not verify", code="invalid_signature",
            param="X-ANET-Signature",
        )  # fmt: skip
    try:
        event: dict[str, Any] = orjson.loads(payload)
    except ValueError:
        raise InvalidRequest("the body is not JSON", code="invalid_json") from None
    # Authorize.Net sends no dispute events, and its refunds do not fail after they are taken:
    # its events are recorded (and repeats dropped) but tell a payment nothing new.
    return WebhookEvent("authorizenet", str(event.get("notificationId", "")),
                        str(event.get("eventType", "")))  # fmt: skip
