"""The Stripe test server's books: Stripe's test cards and payment methods, the switches that
make it as unkind as Stripe (docs/processors.md), and what it keeps in memory."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel

from devtools.testservers.stripe_balance import Balance

# Stripe's documented test payment methods, by the card number each stands for.
TEST_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecureOptional": "4000000000003055",
}
# Stripe's test cards that decline: (code, decline_code, message).
DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000000069": ("expired_card", None, "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "4000000000000119": ("processing_error", None, "An error occurred while processing your card."),
}
THREE_D_SECURE_CARD = "4000002760003184"
# "3D Secure supported": authenticated only when the confirm requests it
# (`payment_method_options[card][request_three_d_secure]=any`).
THREE_D_SECURE_SUPPORTED_CARD = "4000000000003055"
REQUEST_THREE_D_SECURE = "payment_method_options[card][request_three_d_secure]"
# Stripe's test cards by funding ("Testing", cards by brand); any other is credit.
FUNDING = {
    "4000056655665556": "debit",
    "5200828282828210": "debit",
    "5105105105105100": "prepaid",
}
HOLD_SECONDS = 7 * 24 * 3600
FORWARDED_HEADERS = ("authorization", "content-type", "stripe-version")
SEARCH = re.compile(r"^metadata\['(?P<field>[\w-]+)'\]:'(?P<value>[^']*)'$")


class Faults(BaseModel):
    # The next N successful POSTs are applied, but answered only after `lost_seconds`.
    lose_next: int = 0
    lost_seconds: float = 5.0
    outage: bool = False
    # Stripe cancels an uncaptured PaymentIntent by itself when the card network's window ends
    # (7 days for online card payments; `capture_before` on the charge says when), then refuses
    # its capture and cancel (`payment_intent_unexpected_state`). Tests shorten the window.
    hold_seconds: float = HOLD_SECONDS
    # Stripe's Search is not read-after-write ("data is usually searchable in under a minute,
    # propagation can be delayed during an outage"): a PaymentIntent shows in search results
    # only this long after it was made.
    search_lag_seconds: float = 0.0
    # The next N successful POSTs are applied, then answered 500 (Stripe: "indeterminate");
    # as Stripe does, the 500 is kept under the idempotency key and answered to its retries.
    fail_after_applying: int = 0
    # A payout is `pending`, then `in_transit`, before it is `paid` (or `failed`): the status
    # `/_fake/payouts` gives the next one. Until paid, the day's settlement is not final.
    payout_status: Literal["paid", "pending", "in_transit", "failed", "canceled"] = "paid"


@dataclass
class Books:
    # Payment method id -> card number (this is a processor's vault, in memory only).
    methods: dict[str, str] = field(default_factory=lambda: dict(TEST_METHODS))
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The charge made by each authorization, shown when a request expands `latest_charge`.
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # Balance transactions and payouts: what Stripe settled (stripe_balance.py).
    balance: Balance = field(default_factory=Balance)

    def applied(self, operation: str, key: str | None, intent: str, amount: int) -> None:
        self.ledger.append(
            {
                "operation": operation,
                "idempotency_key": key or "",
                "payment_intent": intent,
                "amount": amount,
                "at": time.time(),
            }
        )


def flat_form(body: bytes) -> dict[str, str]:
    """Stripe's form encoding (`metadata[key]=v`), kept flat: the handlers read named fields."""
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def error(
    status: int, kind: str, code: str, message: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": kind, "code": code, "message": message, **extra}}


def metadata_of(form: dict[str, str]) -> dict[str, str]:
    return {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}


def expanded(query: Any, form: dict[str, str]) -> set[str]:
    """The fields a request expands (`expand[]=...` or `expand[0]=...`, in query or form)."""
    pairs = [*query.multi_items(), *form.items()]
    return {value for name, value in pairs if name.startswith("expand[")}
