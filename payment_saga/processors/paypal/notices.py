"""PayPal's notices, verified as PayPal documents: the `PAYPAL-TRANSMISSION-*`,
`PAYPAL-CERT-URL` and `PAYPAL-AUTH-ALGO` headers, our webhook id and the event are sent to
PayPal's `verify-webhook-signature`, which answers SUCCESS or FAILURE; then what the event says
about a payment. `CHECKOUT.ORDER.APPROVED` ends a payer's wait (a look at once);
`CUSTOMER.DISPUTE.CREATED` and `CUSTOMER.DISPUTE.RESOLVED` open and close a dispute on the
payment whose capture it names."""

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
DISPUTE_OPENED, DISPUTE_RESOLVED = "CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.RESOLVED"
# A resolved dispute's `dispute_outcome.outcome_code` (Disputes API v1), as ours: the merchant
# keeps the money (won) or the buyer gets it back (lost); a code not listed is taken as lost,
# the side an operator must look at.
DISPUTE_OUTCOMES = {
    "RESOLVED_SELLER_FAVOUR": "won",
    "CANCELED_BY_BUYER": "won",
    "DENIED": "won",
    "RESOLVED_BUYER_FAVOUR": "lost",
    "ACCEPTED": "lost",
}
# Asks PayPal whether a notice verifies (PayPalGateway.verify_webhook).
Verifier = Callable[[dict[str, Any]], Awaitable[bool]]
# The authorization a capture was taken from (PayPalGateway.authorization_of_capture): a
# dispute names the capture, our payment holds the authorization's id.
CaptureReader = Callable[[str], Awaitable[str | None]]


async def read_notice(
    settings: PayPalSettings,
    payload: bytes,
    headers: Mapping[str, str],
    verify: Verifier,
    authorization_of: CaptureReader,
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
    return await paypal_event(event, authorization_of)


async def paypal_event(event: dict[str, Any], authorization_of: CaptureReader) -> ReceivedNotice:
    event_id, kind = str(event.get("id", "")), str(event.get("event_type", ""))
    resource: dict[str, Any] = event.get("resource") or {}
    if kind in ACTION_ENDED:
        notice = ProcessorNotice("paypal", event_id, "action_completed")
        return ReceivedNotice("paypal", event_id, kind, notice, resource.get("id"))
    if kind in (DISPUTE_OPENED, DISPUTE_RESOLVED):
        capture_id = _disputed_capture(resource)
        if capture_id is not None:
            reference = await authorization_of(capture_id)
            return ReceivedNotice("paypal", event_id, kind, _dispute(event_id, kind, resource),
                                  reference)  # fmt: skip
    return ReceivedNotice("paypal", event_id, kind)  # nothing a payment needs to learn


def _disputed_capture(resource: dict[str, Any]) -> str | None:
    """The merchant's side of the disputed transaction: our capture's id."""
    disputed = resource.get("disputed_transactions") or [{}]
    found = disputed[0].get("seller_transaction_id") if isinstance(disputed[0], dict) else None
    return str(found) if found else None


def _dispute(event_id: str, kind: str, resource: dict[str, Any]) -> ProcessorNotice:
    reason = resource.get("reason")
    if kind == DISPUTE_OPENED:
        return ProcessorNotice("paypal", event_id, "dispute_opened", reason=reason)
    outcome = (resource.get("dispute_outcome") or {}).get("outcome_code")
    return ProcessorNotice(
        "paypal", event_id, "dispute_closed",
        dispute_status=DISPUTE_OUTCOMES.get(str(outcome), "lost"), reason=reason,
    )  # fmt: skip
