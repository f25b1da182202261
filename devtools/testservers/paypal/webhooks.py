"""The PayPal test server's webhooks, as PayPal sends and verifies them: each event POSTed to
the subscribed URL with `PAYPAL-TRANSMISSION-ID`, `-TIME`, `-SIG`, `PAYPAL-CERT-URL` and
`PAYPAL-AUTH-ALGO`; `POST /v1/notifications/verify-webhook-signature` answers SUCCESS only for
those headers, that event and the subscription's webhook id. PayPal signs with its private key
(SHA256withRSA over `<transmission id>|<time>|<webhook id>|<CRC32 of the body>`); this server
signs the same string with an HMAC key of its own, which only it can check, as only PayPal can
check PayPal's through that call."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import zlib
from datetime import UTC, datetime
from typing import Any

import httpx

from devtools.testservers.paypal.books import Books, Order, new_id

log = logging.getLogger("paypal-test-server")
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-local-test"


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def signature(books: Books, transmission_id: str, at: str, event: dict[str, Any]) -> str:
    crc = zlib.crc32(canonical(event))
    signed = f"{transmission_id}|{at}|{books.webhook_id}|{crc}".encode()
    return hmac.new(books.signing_key, signed, hashlib.sha256).hexdigest()


def verified(books: Books, asked: dict[str, Any]) -> bool:
    """What PayPal's verify call answers for a notice's headers and event."""
    if asked.get("webhook_id") != books.webhook_id or asked.get("cert_url") != CERT_URL:
        return False
    expected = signature(
        books, asked["transmission_id"], asked["transmission_time"], asked["webhook_event"]
    )
    return hmac.compare_digest(expected, str(asked.get("transmission_sig", "")))


def order_approved(order: Order) -> dict[str, Any]:
    return {
        "id": f"WH-{new_id()}", "event_version": "1.0", "resource_version": "2.0",
        "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resource_type": "checkout-order", "event_type": "CHECKOUT.ORDER.APPROVED",
        "summary": "An order has been approved by buyer",
        "resource": {"id": order.id, "status": "APPROVED", "intent": order.intent},
    }  # fmt: skip


def dispute_event(dispute: dict[str, Any]) -> dict[str, Any]:
    """CUSTOMER.DISPUTE.CREATED or .RESOLVED (Disputes API v1), by the dispute's status."""
    resolved = dispute["status"] == "RESOLVED"
    return {
        "id": f"WH-{new_id()}", "event_version": "1.0", "resource_version": "1.0",
        "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resource_type": "dispute",
        "event_type": "CUSTOMER.DISPUTE.RESOLVED" if resolved else "CUSTOMER.DISPUTE.CREATED",
        "summary": "A dispute was resolved" if resolved else "A new dispute opened",
        "resource": dispute,
    }  # fmt: skip


# Events on their way: kept until sent (a task nobody holds may be collected mid-way).
_SENDING: set[asyncio.Task[None]] = set()


def dispatch(books: Books, event: dict[str, Any]) -> None:
    """Send the event apart from the request that caused it, as PayPal does."""
    task = asyncio.get_running_loop().create_task(send(books, event))
    _SENDING.add(task)
    task.add_done_callback(_SENDING.discard)


async def send(books: Books, event: dict[str, Any]) -> None:
    """POST the event to the subscribed URL, once (PayPal retries a non-2xx for 3 days; the
    tests need only the first try, or none: `drop_webhooks`)."""
    if not books.webhook_url or books.faults.drop_webhooks:
        return
    transmission_id = secrets.token_hex(16)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": at,
        "PAYPAL-TRANSMISSION-SIG": signature(books, transmission_id, at, event),
        "PAYPAL-CERT-URL": CERT_URL, "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "Content-Type": "application/json",
    }  # fmt: skip
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            sent = await http.post(books.webhook_url, content=canonical(event), headers=headers)
        log.info("webhook %s answered %s", event["event_type"], sent.status_code)
    except httpx.HTTPError as error:
        log.warning("webhook %s not delivered: %r", event["event_type"], error)
