"""Redaction: no card number or CVC can leave a process in a log line."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from payment_saga.domain.cards import luhn_valid

# 12-19 digits, possibly grouped by spaces or dashes, not inside a longer run of digits.
PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")
# "cvc": "123", cvc=123, 'cvv': 1234 inside free text (a formatted dict, a request dump), under
# every processor's name for it: Authorize.Net's "cardCode", Stripe's form field card[cvc]
# (also URL-encoded, card%5Bcvc%5D=123).
CVC_IN_TEXT = re.compile(
    r"(?i)(cvc2?|cvv2?|security_code|card_?code)((?:\]|%5D)?['\"]?\s*[:=]\s*['\"]?)(\d{3,4})"
)
# Compared without case or punctuation, on the key's last part: `card[number]` (Stripe's form),
# `cardNumber` and `cardCode` (Authorize.Net), `card_number`.
SENSITIVE_KEYS = {"cvc", "cvc2", "cvv", "cvv2", "cardnumber", "number", "pan", "securitycode",
                  "cardcode"}  # fmt: skip
PAN_MASK = "[REDACTED:PAN]"
VALUE_MASK = "[REDACTED]"


def is_sensitive_key(key: object) -> bool:
    lowered = str(key).lower()
    last = [part for part in re.split(r"[\[\].]|%5b|%5d", lowered) if part][-1:] or [""]
    return any(re.sub(r"[^a-z0-9]", "", k) in SENSITIVE_KEYS for k in (lowered, last[0]))


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return PAN_MASK if luhn_valid(digits) else match.group(0)


def redact_text(text: str) -> str:
    text = CVC_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + VALUE_MASK, text)
    return PAN_CANDIDATE.sub(_mask_pan, text)


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: VALUE_MASK if is_sensitive_key(k) else redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def redact_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor; runs last before rendering, after tracebacks are formatted."""
    for key in list(event):
        event[key] = VALUE_MASK if is_sensitive_key(key) else redact_value(event[key])
    return event
