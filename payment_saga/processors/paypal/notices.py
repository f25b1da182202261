"""PayPal's notices, verified as PayPal documents: the `PAYPAL-TRANSMISSION-*`,
`PAYPAL-CERT-URL` and `PAYPAL-AUTH-ALGO` headers, our webhook id and the event are sent to
PayPal's `verify-webhook-signature`, which answers SUCCESS or FAILURE; then what the event says
about a payment. `CHECKOUT.ORDER.APPROVED` ends a payer's wait (a look at once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from payment_saga.domain.errors import ResourceMissing
from payment_saga.domain.messages import ProcessorNotice
from payment_saga.processors.notices import ReceivedNotice, does_not_verify
from payment_saga.processors.paypal.settings import PayPalSettings

SIGNATURE_HEADER = "PAYPAL-TRANSMISSION-SIG"
# The verify call's fields, from the notice's headers.
HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": SIGNATURE_HEADER,
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}
ACTION_ENDED = ("CHECKOUT.ORDER.APPROVED",)
# Asks PayPal whether a notice verifies (PayPalGateway.verify_webhook).
Verifier = Callable[[dict[str, Any]], Awaitable[bool]]


async def read_notice(
    settings: PayPalSettings, payload: bytes, headers: Mapping[str, str], verify: Verifier
) -> ReceivedNotice:
    """A notice PayPal verifies for PAYPAL_WEBHOOK_ID; 404 when that is not set."""
    if settings.webhook_id is None:
        raise ResourceMissing("PayPal webhooks are not set up (PAYPAL_WEBHOOK_ID)")
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise does_not_verify(SIGNATURE_HEADER) from None
    if not isinstance(event, dict):
        raise does_not_verify(SIGNATURE_HEADER)
    asked = {field: headers.get(header, "") for field, header in HEADERS.items()}
    if not await verify({**asked, "webhook_id": settings.webhook_id, "webhook_event": event}):
        raise does_not_verify(SIGNATURE_HEADER)
    return paypal_event(event)


def paypal_event(event: dict[str, Any]) -> ReceivedNotice:
    event_id, kind = str(event.get("id", "")), str(event.get("event_type", ""))
    resource: dict[str, Any] = event.get("resource") or {}
    if kind in ACTION_ENDED:
        notice = ProcessorNotice("paypal", event_id, "action_completed")
        return ReceivedNotice("paypal", event_id, kind, notice, resource.get("id"))
    return ReceivedNotice("paypal", event_id, kind)  # nothing a payment needs to learn
