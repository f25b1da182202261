"""Authorize.Net's response reason codes, as ours (docs/processors.md has the table).

A transaction's answer carries a `responseCode` (1 approved, 2 declined, 3 error, 4 held for
review) and, when not approved, a reason code in `errors[0].errorCode`.
"""

from __future__ import annotations

from payment_saga.domain.errors import GatewayDeclined

# Reason code -> (our code, decline_code) for an authorization the issuer or the gateway refused.
DECLINES: dict[str, tuple[str, str | None]] = {
    "2": ("card_declined", "generic_decline"),
    "3": ("card_declined", "call_issuer"),
    "4": ("card_declined", "pickup_card"),
    "6": ("card_declined", "incorrect_number"),
    "8": ("expired_card", None),
    "27": ("card_declined", "avs_mismatch"),
    "44": ("incorrect_cvc", None),
    "45": ("incorrect_cvc", None),
    "65": ("incorrect_cvc", None),
}
# Reason codes that a later try can cure: the processor's own hiccups, and a refund of a capture
# not settled yet (Authorize.Net settles once a day; until then only a void could undo it).
transient: dict[str, str] = {
    **dict.fromkeys(("19", "20", "21", "22", "23", "25", "26", "57", "58", "59", "60", "61",
                     "62", "63", "120", "121", "122", "181"), "processing_error"),
    "54": "refund_not_settled",
}  # fmt: skip
# What a refused capture, void or refund is called on our side.
refused = {
    "authorize": "card_declined",
    "capture": "capture_failed",
    "void": "void_failed",
    "refund": "refund_refused",
}
# Authorize.Net's card types, as our brands.
BRANDS = {
    "Visa": "visa",
    "MasterCard": "mastercard",
    "AmericanExpress": "amex",
    "Discover": "discover",
}


def declined(reason: str, text: str) -> GatewayDeclined:
    code, decline_code = DECLINES.get(reason, ("card_declined", f"anet_{reason}"))
    return GatewayDeclined(code, text, decline_code)
