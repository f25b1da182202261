"""Every request header the API reads, parsed once and strictly: what is not what the header
means is the caller's error (a 4xx), never an exception deeper in. Starlette hands header
values over decoded as Latin-1, so any byte can arrive here."""

from __future__ import annotations

import re

from payment_saga.domain.errors import InvalidRequest
from payment_saga.processors.registry import PROCESSORS

# Visible ASCII and spaces: what every header we read is made of (RFC 9110 tokens and
# parameters, base64 and hex signatures, our keys).
_VISIBLE = re.compile(r"[\x20-\x7e]*")
# Headers that mean one thing once: a second value could be read differently by a proxy and by
# us, so it is refused rather than guessed.
SINGLE_VALUED = (
    "authorization",
    "idempotency-key",
    "prefer",
    *(p.signature_header.lower() for p in PROCESSORS.values() if p.signature_header),
)
_WAIT = re.compile(r"wait=([0-9]{1,6})", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,18}")


def is_visible_ascii(value: str) -> bool:
    return _VISIBLE.fullmatch(value) is not None


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>`; None for anything else."""
    if authorization is None or not is_visible_ascii(authorization):
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def prefer_wait(prefer: str | None, max_wait: int) -> int | None:
    """`Prefer: wait=N` (RFC 7240), N in ASCII digits from 0 to `max_wait`; None when absent."""
    if prefer is None:
        return None
    for part in prefer.split(","):
        name = part.partition("=")[0].strip().lower()
        if name != "wait":
            continue
        found = _WAIT.fullmatch(part.strip().replace(" ", ""))
        if found is None or int(found.group(1)) > max_wait:
            raise InvalidRequest(
                f"Prefer: wait=N takes N from 0 to {max_wait}",
                code="invalid_prefer",
                param="Prefer",
            )
        return int(found.group(1))
    return None


def content_length(value: str) -> int | None:
    """A declared body length in ASCII digits; None for anything else."""
    return int(value) if _DIGITS.fullmatch(value) else None


def signature(value: str, header: str) -> str:
    """A processor's signature header: visible ASCII, or the signature does not verify."""
    if not value or not is_visible_ascii(value):
        raise InvalidRequest(
            f"the {header} header does not verify", code="invalid_signature", param=header
        )
    return value
