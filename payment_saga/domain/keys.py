"""Idempotency keys for gateway calls, derived from the payment and the step.

A retry of a step sends the same key, so the gateway applies it at most once; each step (and
each compensation) has a key of its own.
"""


def authorize_key(payment_id: str, processor: str | None = None) -> str:
    """A routed payment (GATEWAY_ROUTES) has one authorize key per processor it may try."""
    return f"{payment_id}:authorize" + (f":{processor}" if processor else "")


def capture_key(payment_id: str) -> str:
    return f"{payment_id}:capture"


def void_key(payment_id: str) -> str:
    return f"{payment_id}:void"


def refund_key(payment_id: str, refund_id: str) -> str:
    return f"{payment_id}:refund:{refund_id}"
