"""Errors that retrying cannot fix end the activity at once, typed, counted and logged.

Temporal retries any exception by default. A value that does not fit its column, a broken
constraint or a bug raises the same error on every attempt, so retrying only wedges the
payment: its step never ends and the workflow's lock is never released. Those errors become a
non-retryable `ApplicationError` of type `internal_error`; the workflow records the step as
failed (or its outcome as unknown, when the gateway may have acted) and the
`activity_unretryable_errors_total` metric pages someone. Connection losses and lock timeouts
stay retryable: the chaos suite kills Postgres and expects the steps to finish once it is back.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from activities.metrics import ActivityMetrics
from payment_saga.domain.errors import LedgerMismatch
from payment_saga.domain.states import TransitionError

INTERNAL_ERROR = "internal_error"
# Python errors that only a code change fixes.
PROGRAMMING_ERRORS = (TypeError, AttributeError, KeyError, NameError, AssertionError)
UNRETRYABLE = (
    DataError,
    IntegrityError,
    ProgrammingError,
    TransitionError,
    LedgerMismatch,
    *PROGRAMMING_ERRORS,
)

log = structlog.get_logger("payment_saga.activities")


def is_unretryable(error: BaseException) -> bool:
    return isinstance(error, UNRETRYABLE)


class UnretryableErrors(Interceptor):
    def __init__(self, metrics: ActivityMetrics) -> None:
        self._metrics = metrics

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Unretryable(next, self._metrics)


class _Unretryable(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, metrics: ActivityMetrics) -> None:
        super().__init__(next)
        self._metrics = metrics

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except Exception as error:
            if not is_unretryable(error):
                raise
            kind = type(error).__name__
            self._metrics.unretryable.labels(activity.info().activity_type, kind).inc()
            log.error("unretryable activity error", error_type=kind, exc_info=error)
            # The message names the error's kind only: a data error's text may quote the data.
            raise ApplicationError(
                f"{kind} in {activity.info().activity_type}: not retried",
                type=INTERNAL_ERROR,
                non_retryable=True,
            ) from None
