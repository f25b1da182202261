"""Authorize.Net's notices: `X-ANET-Signature: sha512=<HMAC-SHA512 of the body>`, hex."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

from payment_saga.domain.errors import InvalidRequest, ResourceMissing
from payment_saga.processors.authorizenet.settings import AuthorizeNetSettings
from payment_saga.processors.notices import ReceivedNotice, does_not_verify, same_secret

SIGNATURE_HEADER = "X-ANET-Signature"


def read_notice(settings: AuthorizeNetSettings, payload: bytes, signature: str) -> ReceivedNotice:
    """A notice signed with AUTHORIZENET_SIGNATURE_KEY; 404 when that is not set."""
    if settings.signature_key is None:
        raise ResourceMissing("Authorize.Net webhooks are not set up (AUTHORIZENET_SIGNATURE_KEY)")
    return authorizenet_event(payload, signature, settings.signature_key.get_secret_value())


def authorizenet_event(payload: bytes, signature: str, key: str) -> ReceivedNotice:
    expected = hmac.new(key.encode(), payload, hashlib.sha512).hexdigest()
    if not same_secret(signature.removeprefix("sha512=").strip().lower(), expected):
        raise does_not_verify(SIGNATURE_HEADER)
    try:
        event: dict[str, Any] = orjson.loads(payload)
    except ValueError:
        raise InvalidRequest("the body is not JSON", code="invalid_json") from None
    # Authorize.Net sends no dispute events, and its refunds do not fail after they are taken:
    # its events are recorded (and repeats dropped) but tell a payment nothing new.
    return ReceivedNotice("authorizenet", str(event.get("notificationId", "")),
                          str(event.get("eventType", "")))  # fmt: skip
