"""Processors' notices (the webhooks they send us): what one says about a payment, and the
checks every processor's signature shares. Each processor reads its own in its folder
(`<name>/notices.py`); `POST /v1/webhooks/{processor}` takes them (api/routes/notices.py)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from payment_saga.domain.errors import InvalidRequest
from payment_saga.domain.messages import ProcessorNotice


@dataclass(frozen=True)
class ReceivedNotice:
    """One processor notice: its id (for dropping repeats), and what a payment should learn, if
    anything, with the processor's reference to find the payment or refund by."""

    processor: str
    event_id: str
    type: str
    notice: ProcessorNotice | None = None
    payment_reference: str | None = None
    refund_reference: str | None = None


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret or signature, whatever bytes it holds."""
    presented = (given or "").encode("utf-8", "surrogatepass")
    return hmac.compare_digest(presented, expected.encode())


def does_not_verify(header: str) -> InvalidRequest:
    """A bad signature: a 400, and nothing is read from the body."""
    return InvalidRequest(
        f"the {header} header does not verify", code="invalid_signature", param=header
    )
