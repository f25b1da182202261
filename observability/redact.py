"""Redaction: no card number or CVC can leave a process in a log line."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from domain.cards import luhn_valid

# 12-19 digits, possibly grouped by spaces or dashes, not inside a longer run of digits.
PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")
# "cvc": "123", cvc=123, 'cvv': 1234 inside free text (a formatted dict, a request dump).
CVC_IN_TEXT = re.compile(r"(?i)(cvc|cvv|security_code)(['\"]?\s*[:=]\s*['\"]?)(\d{3,4})")
SENSITIVE_KEYS = {"cvc", "cvv", "cvc2", "card_number", "number", "pan", "security_code"}
PAN_MASK = "[REDACTED:PAN]"
VALUE_MASK = "[REDACTED]"


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
        return {
            k: VALUE_MASK if str(k).lower() in SENSITIVE_KEYS else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def redact_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor; runs last before rendering, after tracebacks are formatted."""
    for key in list(event):
        event[key] = VALUE_MASK if key.lower() in SENSITIVE_KEYS else redact_value(event[key])
    return event
