"""What the PayPal test server does with each request, and the objects as PayPal answers them
(Orders v2 and Payments v2, `Prefer: return=representation`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from devtools.testservers.paypal.books import (
    Authorization,
    Books,
    Capture,
    Order,
    Refund,
    new_id,
    unprocessable,
)


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(currency: str, value: str | Decimal) -> dict[str, str]:
    return {"currency_code": currency, "value": str(value)}


def create_order(books: Books, body: dict[str, Any]) -> Order:
    unit = body["purchase_units"][0]
    context = body.get("payment_source", {}).get("paypal", {}).get("experience_context", {})
    order = Order(
        id=new_id(),
        intent=body["intent"],
        currency=unit["amount"]["currency_code"],
        value=unit["amount"]["value"],
        custom_id=unit.get("custom_id"),
        reference_id=unit.get("reference_id"),
        return_url=context.get("return_url"),
        cancel_url=context.get("cancel_url"),
    )
    books.orders[order.id] = order
    return order


def approve(books: Books, order: Order) -> None:
    """The payer approved on PayPal's page (once, and only within the approval window)."""
    if order.status == "PAYER_ACTION_REQUIRED" and not approval_expired(books, order):
        order.status = "APPROVED"


def approval_expired(books: Books, order: Order) -> bool:
    return time.time() > order.created + books.faults.approval_seconds


def authorize_order(books: Books, order: Order, key: str | None) -> Order:
    if order.status == "COMPLETED":
        raise unprocessable("ORDER_ALREADY_AUTHORIZED", "the order was authorized already")
    if order.status != "APPROVED":
        if approval_expired(books, order):
            raise unprocessable("ORDER_EXPIRED", "the order expired before it was approved")
        raise unprocessable("ORDER_NOT_APPROVED", "the payer has not approved the order")
    auth = Authorization(
        id=new_id(), order_id=order.id, currency=order.currency, value=order.value,
        expires_at=time.time() + books.faults.hold_seconds, custom_id=order.custom_id,
    )  # fmt: skip
    books.authorizations[auth.id] = auth
    order.status, order.authorization_id = "COMPLETED", auth.id
    books.applied("authorize", key, auth, auth.value)
    return order


def capture(books: Books, auth: Authorization, body: dict[str, Any], key: str | None) -> Capture:
    if auth.status == "VOIDED":
        raise unprocessable("AUTHORIZATION_VOIDED", "a voided authorization cannot be captured")
    if auth.status == "EXPIRED":
        raise unprocessable("AUTHORIZATION_EXPIRED", "the authorization has expired")
    if auth.status == "CAPTURED":
        raise unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "captured already")
    value = body.get("amount", {}).get("value", auth.value)
    if Decimal(value) > Decimal(auth.value):
        raise unprocessable("MAX_CAPTURE_AMOUNT_EXCEEDED", "more than the authorization")
    invoice = body.get("invoice_id")
    if invoice and any(c.invoice_id == invoice for c in books.captures.values()):
        raise unprocessable("DUPLICATE_INVOICE_ID", "the invoice id was used before")
    taken = Capture(new_id(), auth.id, auth.currency, value, invoice)
    books.captures[taken.id] = taken
    auth.captures.append(taken.id)
    auth.status = "CAPTURED" if body.get("final_capture", False) else "PARTIALLY_CAPTURED"
    books.applied("capture", key, auth, value)
    return taken


def void(books: Books, auth: Authorization, key: str | None) -> Authorization:
    if auth.status == "VOIDED":
        raise unprocessable("PREVIOUSLY_VOIDED", "the authorization was voided before")
    if auth.status in ("CAPTURED", "PARTIALLY_CAPTURED"):
        raise unprocessable("PREVIOUSLY_CAPTURED", "a captured authorization cannot be voided")
    if auth.status == "EXPIRED":
        raise unprocessable("CANNOT_BE_VOIDED", "the authorization has expired")
    auth.status = "VOIDED"
    books.applied("void", key, auth)
    return auth


def refund(books: Books, taken: Capture, body: dict[str, Any], key: str | None) -> Refund:
    left = Decimal(taken.value) - taken.refunded
    value = body.get("amount", {}).get("value", str(left))
    if Decimal(value) > left:
        raise unprocessable("REFUND_AMOUNT_EXCEEDED", "more than is left of the capture")
    made = Refund(new_id(), taken.id, taken.currency, value, body.get("custom_id"))
    books.refunds[made.id] = made
    taken.refunded += Decimal(value)
    taken.refunds.append(made.id)
    books.applied("refund", key, books.authorizations[taken.authorization_id], value)
    return made


def order_json(books: Books, order: Order, base: str) -> dict[str, Any]:
    payments: dict[str, list[dict[str, Any]]] = {}
    if order.authorization_id is not None:
        auth = books.authorizations[order.authorization_id]
        payments["authorizations"] = [authorization_json(books, auth, base)]
        captures = [books.captures[c] for c in auth.captures]
        payments["captures"] = [capture_json(c) for c in captures]
        payments["refunds"] = [refund_json(books.refunds[r]) for c in captures for r in c.refunds]
    unit: dict[str, Any] = {
        "reference_id": order.reference_id or "default",
        "amount": _money(order.currency, order.value),
        "payments": payments,
    }
    if order.custom_id:
        unit["custom_id"] = order.custom_id
    links = [{"href": f"{base}/v2/checkout/orders/{order.id}", "rel": "self", "method": "GET"}]
    if order.status == "PAYER_ACTION_REQUIRED":
        approve_at = f"{base}/checkoutnow?token={order.id}"
        links.append({"href": approve_at, "rel": "payer-action", "method": "GET"})
    return {
        "id": order.id, "intent": order.intent, "status": order.status,
        "purchase_units": [unit], "create_time": _time(order.created), "links": links,
    }  # fmt: skip


def authorization_json(books: Books, auth: Authorization, base: str) -> dict[str, Any]:
    return {
        "id": auth.id, "status": auth.status, "amount": _money(auth.currency, auth.value),
        "custom_id": auth.custom_id, "expiration_time": _time(auth.expires_at),
        "supplementary_data": {"related_ids": {"order_id": auth.order_id}},
        "links": [{"href": f"{base}/v2/payments/authorizations/{auth.id}", "rel": "self"}],
    }  # fmt: skip


def capture_json(taken: Capture) -> dict[str, Any]:
    refunded = taken.refunded
    status = "COMPLETED" if not refunded else "PARTIALLY_REFUNDED"
    if refunded and refunded == Decimal(taken.value):
        status = "REFUNDED"
    return {
        "id": taken.id, "status": status, "amount": _money(taken.currency, taken.value),
        "invoice_id": taken.invoice_id, "final_capture": True,
        "supplementary_data": {"related_ids": {"authorization_id": taken.authorization_id}},
    }  # fmt: skip


def refund_json(made: Refund) -> dict[str, Any]:
    return {
        "id": made.id, "status": "COMPLETED", "amount": _money(made.currency, made.value),
        "custom_id": made.custom_id,
    }  # fmt: skip
