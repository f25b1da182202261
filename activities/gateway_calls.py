"""One gateway call, timed, turned into an attempt row, its errors into typed ApplicationErrors."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import NoReturn, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from payment_saga.db.models import PaymentAttempt
from payment_saga.domain.errors import GatewayDeclined, GatewayOutcomeUnknown, PaymentSagaError
from payment_saga.domain.messages import Failure
from payment_saga.processors.port import GatewayOperation

GatewayCall = Callable[[], Awaitable[GatewayOperation]]
# What a call answers: an operation, or the read of a hold.
Answer = TypeVar("Answer")
LookupCall = Callable[[], Awaitable[GatewayOperation | None]]


def _attempt_number() -> int:
    return activity.info().attempt if activity.in_activity() else 1


async def timed_call(
    payment_id: str,
    operation: str,
    key: str,
    call: Callable[[], Awaitable[Answer | None]],
    processor: str | None = None,
) -> tuple[Answer | None, PaymentAttempt, PaymentSagaError | None]:
    """Run the call; return its result, the attempt row, and the domain error if it failed."""
    started = time.monotonic()
    result: Answer | None = None
    failure: PaymentSagaError | None = None
    try:
        result = await call()
        outcome, error_code = ("succeeded" if result else "not_found"), None
    except GatewayDeclined as error:
        failure, outcome, error_code = error, "declined", error.code
    except GatewayOutcomeUnknown as error:
        failure, outcome, error_code = error, "unknown", error.code
    except PaymentSagaError as error:
        failure, outcome, error_code = error, "error", error.code
    attempt = PaymentAttempt(
        payment_id=payment_id,
        operation=operation,
        idempotency_key=key,
        outcome=outcome,
        error_code=error_code,
        latency_ms=int((time.monotonic() - started) * 1000),
        activity_attempt=_attempt_number(),
        processor=processor,
    )
    return result, attempt, failure


def decline_failure(error: GatewayDeclined) -> Failure:
    return Failure(code=error.code, message=error.message, decline_code=error.decline_code)


def raise_application_error(error: PaymentSagaError) -> NoReturn:
    """Declines are final (non-retryable, typed by their code); anything else is retried."""
    if isinstance(error, GatewayDeclined):
        failure = decline_failure(error)
        raise ApplicationError(
            error.message, asdict(failure), type=error.code, non_retryable=True
        ) from None
    raise ApplicationError(error.message, type=error.code, non_retryable=False) from None


def should_reconcile() -> bool:
    """A retry may follow a lost response: ask the gateway what the key did before sending again."""
    return _attempt_number() > 1
