"""Stripe's notices: `Stripe-Signature: t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">`, checked by
the SDK's helper (300 s tolerance), and what each event says about a payment."""

from __future__ import annotations

from typing import Any

import orjson
import stripe

from payment_saga.domain.errors import ResourceMissing
from payment_saga.domain.messages import ProcessorNotice
from payment_saga.processors.notices import ReceivedNotice, does_not_verify
from payment_saga.processors.stripe.settings import StripeSettings

SIGNATURE_HEADER = "Stripe-Signature"
STRIPE_TOLERANCE_SECONDS = 300
# Stripe's dispute statuses once closed, as ours (an inquiry closed without a chargeback: won).
DISPUTE_OUTCOMES = {"won": "won", "lost": "lost", "warning_closed": "won"}
# A PaymentIntent that left requires_action: authorized (manual capture) or failed. Sent for
# every authorization; only a payment still waiting for its customer takes it.
ACTION_ENDED = ("payment_intent.amount_capturable_updated", "payment_intent.payment_failed")


def read_notice(settings: StripeSettings, payload: bytes, signature: str) -> ReceivedNotice:
    """A notice signed with STRIPE_WEBHOOK_SECRET; 404 when that is not set."""
    if settings.webhook_secret is None:
        raise ResourceMissing("Stripe webhooks are not set up (STRIPE_WEBHOOK_SECRET)")
    return stripe_event(payload, signature, settings.webhook_secret.get_secret_value())


def stripe_event(payload: bytes, signature: str, secret: str) -> ReceivedNotice:
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode(), signature, secret, STRIPE_TOLERANCE_SECONDS
        )
        event: dict[str, Any] = orjson.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
        raise does_not_verify(SIGNATURE_HEADER) from None
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
    found: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    base = ReceivedNotice("stripe", event_id, kind)
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
    if kind in ACTION_ENDED:
        notice = ProcessorNotice("stripe", event_id, "action_completed")
        return _about_payment(base, notice, found.get("id"))
    if kind in ("refund.failed", "charge.refund.updated") and found.get("status") == "failed":
        notice = ProcessorNotice(
            "stripe", event_id, "refund_failed", reason=found.get("failure_reason")
        )
        return ReceivedNotice("stripe", event_id, kind, notice, refund_reference=found.get("id"))
    return base  # nothing a payment needs to learn


def _about_payment(base: ReceivedNotice, notice: ProcessorNotice, intent: Any) -> ReceivedNotice:
    reference = intent.get("id") if isinstance(intent, dict) else intent
    return ReceivedNotice(base.processor, base.event_id, base.type, notice, reference)
