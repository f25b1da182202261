"""The PayPal test server's books: orders the payer approves on its page, the authorizations,
captures and refunds made from them, the answers kept by `PayPal-Request-Id`, and a ledger of
what was applied. Amounts are PayPal's decimal strings, compared as Decimals.

What PayPal documents, including the uncomfortable parts (docs/processors.md, "PayPal"):
- an order's payer has 3 hours to approve it (`approval_seconds`); after that it cannot be
  authorized (`ORDER_EXPIRED`);
- an authorization is honored 3 days and valid 29 (`hold_seconds`): then `EXPIRED`, and its
  capture is refused (`AUTHORIZATION_EXPIRED`);
- `PayPal-Request-Id` answers a repeat with the first answer for 6 hours on the Orders API and
  45 days on the Payments API (`orders_request_id_seconds`): an order authorized again past it
  is refused `ORDER_ALREADY_AUTHORIZED`;
- access tokens expire (`token_seconds`): a call with an expired one is a 401.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ORDERS_REQUEST_ID_SECONDS = 6 * 3600
PAYMENTS_REQUEST_ID_SECONDS = 45 * 24 * 3600
APPROVAL_SECONDS = 3 * 3600
HOLD_SECONDS = 29 * 24 * 3600
TOKEN_SECONDS = 32400


@dataclass
class Faults:
    approval_seconds: float = APPROVAL_SECONDS
    hold_seconds: float = HOLD_SECONDS
    orders_request_id_seconds: float = ORDERS_REQUEST_ID_SECONDS
    token_seconds: float = TOKEN_SECONDS
    # The next N successful POSTs are applied, then answered 500 (a retry with the same
    # PayPal-Request-Id gets the first answer).
    fail_after_applying: int = 0
    # Webhooks are not sent (PayPal's delivery is at least once, eventually: a notice may come
    # late or, for our purposes, not at all).
    drop_webhooks: bool = False
    # The next N successful POSTs are applied, but answered only after `lost_seconds`.
    lose_next: int = 0
    lost_seconds: float = 5.0


class PayPalError(Exception):
    """An answer in PayPal's error shape: `name`, `message`, `details[].issue`."""

    def __init__(self, status: int, name: str, issue: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {
            "name": name,
            "message": description,
            "debug_id": secrets.token_hex(6),
            "details": [{"issue": issue, "description": description}],
        }


def unprocessable(issue: str, description: str) -> PayPalError:
    return PayPalError(422, "UNPROCESSABLE_ENTITY", issue, description)


def not_found(what: str) -> PayPalError:
    return PayPalError(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", f"no such {what}")


def new_id() -> str:
    return secrets.token_hex(9).upper()[:17]


@dataclass
class Order:
    id: str
    intent: str
    currency: str
    value: str
    custom_id: str | None
    reference_id: str | None
    return_url: str | None
    cancel_url: str | None
    created: float = field(default_factory=time.time)
    # PAYER_ACTION_REQUIRED, APPROVED, COMPLETED (authorized) or VOIDED.
    status: str = "PAYER_ACTION_REQUIRED"
    authorization_id: str | None = None


@dataclass
class Authorization:
    id: str
    order_id: str
    currency: str
    value: str
    expires_at: float
    custom_id: str | None
    # CREATED, PARTIALLY_CAPTURED, CAPTURED, VOIDED or EXPIRED.
    status: str = "CREATED"
    captures: list[str] = field(default_factory=list)


@dataclass
class Capture:
    id: str
    authorization_id: str
    currency: str
    value: str
    invoice_id: str | None
    refunded: Decimal = Decimal(0)
    refunds: list[str] = field(default_factory=list)


@dataclass
class Refund:
    id: str
    capture_id: str
    currency: str
    value: str
    custom_id: str | None


@dataclass
class Books:
    client_id: str
    client_secret: str
    # The webhook subscription: where events go, and its id (what the verify call checks).
    webhook_url: str | None = None
    webhook_id: str | None = None
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    faults: Faults = field(default_factory=Faults)
    tokens: dict[str, float] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    captures: dict[str, Capture] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    # Disputes buyers opened (the Disputes API's resource), by dispute id.
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # PayPal-Request-Id -> (when, status, answer), per API (orders, payments).
    answers: dict[tuple[str, str], tuple[float, int, dict[str, Any]]] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)

    def issue_token(self) -> str:
        token = "A21AA" + secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.faults.token_seconds
        return token

    def token_valid(self, token: str) -> bool:
        return self.tokens.get(token, 0.0) > time.time()

    def applied(
        self, operation: str, key: str | None, held: Authorization, value: str = "0"
    ) -> None:
        self.ledger.append({
            "operation": operation, "idempotency_key": key or "", "authorization": held.id,
            "amount": value, "currency": held.currency, "at": time.time(),
        })  # fmt: skip

    def order(self, order_id: str) -> Order:
        found = self.orders.get(order_id)
        if found is None:
            raise not_found("order")
        return found

    def authorization(self, authorization_id: str) -> Authorization:
        found = self.authorizations.get(authorization_id)
        if found is None:
            raise not_found("authorization")
        if found.status in ("CREATED", "PARTIALLY_CAPTURED") and time.time() > found.expires_at:
            found.status = "EXPIRED"
            self.applied("expire", None, found)
        return found

    def capture_of(self, capture_id: str) -> Capture:
        found = self.captures.get(capture_id)
        if found is None:
            raise not_found("capture")
        return found
