"""The Stripe test server's PaymentIntents: each request checked by stripe-mock first, then
answered from the books (devtools/testservers/stripe_books.py)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from devtools.testservers.stripe_actions import ask_for_customer
from devtools.testservers.stripe_balance import new_id
from devtools.testservers.stripe_books import (
    DECLINES,
    FUNDING,
    REQUEST_THREE_D_SECURE,
    SEARCH,
    THREE_D_SECURE_CARD,
    THREE_D_SECURE_SUPPORTED_CARD,
    Books,
    error,
    metadata_of,
)
from payment_saga.domain.cards import brand_of


class StripeFake:
    def __init__(self, books: Books, base_url: str) -> None:
        self.books = books
        # Where browsers reach this server: the 3-D Secure page's address.
        self.base_url = base_url

    def create_method(
        self, form: dict[str, str], shape: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        method_id = new_id("pm")
        self.books.methods[method_id] = form.get("card[number]", "")
        return self.method(method_id, shape)

    def method(self, method_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        number = self.books.methods.get(method_id)
        if number is None:
            return error(
                404,
                "invalid_request_error",
                "resource_missing",
                f"No such PaymentMethod: '{method_id}'",
                param="payment_method",
            )
        card = {
            **shape.get("card", {}),
            "brand": brand_of(number),
            "last4": number[-4:],
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
            "funding": FUNDING.get(number, "credit"),
        }
        return 200, {**shape, "id": method_id, "type": "card", "card": card}

    def authorize(
        self, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        number = self.books.methods.get(form.get("payment_method", ""))
        if number is None:
            return error(
                400,
                "invalid_request_error",
                "resource_missing",
                "No such PaymentMethod",
                param="payment_method",
            )
        amount = int(form["amount"])
        intent = {
            **shape,
            "id": new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "currency": form["currency"],
            "capture_method": form.get("capture_method"),
            "payment_method": form["payment_method"],
            "amount_capturable": amount,
            "amount_received": 0,
            "latest_charge": None,
            "status": "requires_capture",
            "last_payment_error": None,
            "canceled_at": None,
            "metadata": metadata_of(form),
        }
        self.books.intents[intent["id"]] = intent
        self._charge(intent)
        requested = form.get(REQUEST_THREE_D_SECURE) == "any"
        if number == THREE_D_SECURE_CARD or (requested and number == THREE_D_SECURE_SUPPORTED_CARD):
            return ask_for_customer(intent, form, self.base_url)
        if number in DECLINES:
            code, decline_code, message = DECLINES[number]
            failure = {
                "type": "card_error",
                "code": code,
                "decline_code": decline_code,
                "message": message,
            }
            intent.update(
                status="requires_payment_method", amount_capturable=0, last_payment_error=failure
            )
            return 402, {"error": {**failure, "payment_intent": intent}}
        self.books.applied("authorize", key, intent["id"], amount)
        return 200, intent

    def _charge(self, intent: dict[str, Any]) -> None:
        """The authorization's charge, with the time Stripe will cancel it by itself."""
        now = int(time.time())
        charge_id = new_id("ch")
        card = {"capture_before": now + int(self.books.faults.hold_seconds)}
        self.books.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "payment_intent": intent["id"],
            "payment_method_details": {"type": "card", "card": card},
        }
        intent.update(created=now, latest_charge=charge_id)

    def intent(self, intent_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.books.intents.get(intent_id)
        if intent is None:
            return error(
                404,
                "invalid_request_error",
                "resource_missing",
                f"No such payment_intent: '{intent_id}'",
            )
        self.expire_if_due(intent)
        return 200, intent

    def expire_if_due(self, intent: dict[str, Any]) -> None:
        """Stripe cancels an uncaptured PaymentIntent by itself once `capture_before` passes."""
        charge = self.books.charges.get(str(intent.get("latest_charge")), {})
        until = charge.get("payment_method_details", {}).get("card", {}).get("capture_before")
        if intent["status"] == "requires_capture" and until and time.time() >= until:
            intent.update(
                status="canceled",
                cancellation_reason="automatic",
                amount_capturable=0,
                canceled_at=int(until),
            )
            # Under the key of the authorization it ends, so tests find it with its payment.
            authorized = [e for e in self.books.ledger if e["payment_intent"] == intent["id"]]
            key = authorized[0]["idempotency_key"] if authorized else ""
            self.books.applied("expire", key, intent["id"], 0)

    def search(self, query: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wanted = SEARCH.match(query)
        if wanted is None:
            return error(400, "invalid_request_error", "parameter_invalid", "unsupported query")
        searchable_before = time.time() - self.books.faults.search_lag_seconds
        found = [
            i
            for i in self.books.intents.values()
            if i["metadata"].get(wanted["field"]) == wanted["value"]
            and i.get("created", 0) <= searchable_before
        ]
        return 200, {**shape, "data": found, "has_more": False}

    def capture(
        self, intent_id: str, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(intent_id, shape)
        if status != 200:
            return status, intent
        if intent["status"] != "requires_capture":
            return _unexpected_state(intent, "captured")
        amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
        if not 0 < amount <= intent["amount_capturable"]:
            return error(
                400,
                "invalid_request_error",
                "amount_too_large",
                "The amount to capture exceeds the capturable amount.",
            )
        intent.update(
            status="succeeded",
            amount_capturable=0,
            amount_received=amount,
        )
        self.books.applied("capture", key, intent_id, amount)
        self.books.balance.charged(str(intent["latest_charge"]), amount, intent["currency"])
        return 200, intent

    def cancel(
        self, intent_id: str, shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(intent_id, shape)
        if status != 200:
            return status, intent
        if intent["status"] not in (
            "requires_capture",
            "requires_payment_method",
            "requires_action",
        ):
            return _unexpected_state(intent, "canceled")
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()))
        self.books.applied("void", key, intent_id, 0)
        return 200, intent

    def refund(
        self, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(form.get("payment_intent", ""), shape)
        if status != 200:
            return status, intent
        refunded = sum(
            r["amount"] for r in self.books.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(form.get("amount", intent["amount_received"] - refunded))
        if (
            intent["status"] != "succeeded"
            or not 0 < amount <= intent["amount_received"] - refunded
        ):
            return error(
                400,
                "invalid_request_error",
                "charge_already_refunded",
                "The refund exceeds what is left of the charge.",
            )
        refund = {
            **shape,
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": metadata_of(form),
        }
        self.books.refunds[refund["id"]] = refund
        self.books.applied("refund", key, intent["id"], amount)
        self.books.balance.refunded(refund["id"], amount, intent["currency"])
        return 200, refund

    def list_refunds(self, intent_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = [r for r in self.books.refunds.values() if r["payment_intent"] == intent_id]
        return 200, {**shape, "data": found, "has_more": False}


def _unexpected_state(intent: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
    return error(
        400,
        "invalid_request_error",
        "payment_intent_unexpected_state",
        f"This PaymentIntent could not be {action} because it has a status of {intent['status']}.",
        payment_intent=intent,
    )
