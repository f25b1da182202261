"""One bound for a whole request to a payment's workflow, and what the request came to."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from temporalio.client import WorkflowUpdateHandle, WorkflowUpdateRPCTimeoutOrCancelledError

from payment_saga.domain.errors import ServiceBusy


@dataclass(frozen=True)
class Answer:
    """What a start or an update came to within its wait: `done` once the workflow finished
    it, with what the workflow returned (its PaymentState, or the refund's RefundState; None
    from a run that had already ended); not done when the work goes on past the wait."""

    done: bool
    returned: Any = None


class Deadline:
    """One bound for a whole request: the workflow must take the work within it (or the
    caller is told to retry: nothing was decided), and its outcome is awaited in what is left
    (past it, the caller answers with the object as it stands)."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    def _left(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    def over(self) -> bool:
        return self._left() <= 0

    async def accepted(self, start: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(start, timeout=max(self._left(), 1.0))
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise ServiceBusy(
                "the payment's workflow did not take the request in time; retry with the same"
                " Idempotency-Key"
            ) from None

    async def finished(self, update: WorkflowUpdateHandle[Any]) -> Answer:
        try:
            returned = await asyncio.wait_for(update.result(), timeout=self._left())
        # The SDK turns the cancelled poll into its own error.
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            return Answer(done=False)
        return Answer(done=True, returned=returned)
