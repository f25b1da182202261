"""Start a payment's workflow and steer it with updates, within a deadline, with one
translation of what Temporal answers into the domain's errors.

The API (api/commands.py) and the CLI (cli/payments.py) both go through here, so a rejected
update, an ended workflow or a workflow that does not take a request in time means the same
thing wherever it is met.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import InvalidRequest, ServiceBusy, StateConflict
from domain.messages import (
    CancelRequest,
    CaptureRequest,
    OutcomeRequest,
    PaymentRequest,
    RefundRequest,
    ResolveRequest,
)
from domain.money import format_amount
from workflows.payment import PaymentWorkflow

# Update rejections that are about the request's amount (400), not the payment's state (409).
AMOUNT_CODES = {"amount_exceeds_authorized", "amount_exceeds_refundable"}
NOT_ABLE = {
    "capture": "payment_not_capturable",
    "cancel": "payment_not_cancelable",
    "refund": "payment_not_refundable",
    "resolve": "payment_not_unresolved",
}


class PaymentSteering:
    def __init__(self, temporal: Client, task_queue: str) -> None:
        self._temporal = temporal
        self._task_queue = task_queue

    def _start_options(self, request: PaymentRequest) -> dict[str, Any]:
        return {
            "id": request.payment_id,
            "task_queue": self._task_queue,
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            # A finished payment is never started again under the same id.
            "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
            "static_summary": f"order {request.order_id}: "
            f"{format_amount(request.amount, request.currency)}, {request.capture_method} capture",
        }

    async def start(
        self, request: PaymentRequest, wait_seconds: float, *, for_outcome: bool
    ) -> bool:
        """Start the workflow (once: its id is the payment's) within the wait. `for_outcome`:
        also wait there for the outcome, True when it is known in time; else False once
        started."""
        options = self._start_options(request)
        deadline = Deadline(wait_seconds)
        try:
            if not for_outcome:
                start = self._temporal.start_workflow(PaymentWorkflow.run, request, **options)
                await deadline.accepted(start)
                return False
            operation = WithStartWorkflowOperation(PaymentWorkflow.run, request, **options)
            handle = await deadline.accepted(
                self._temporal.start_update_with_start_workflow(
                    PaymentWorkflow.wait_for_outcome,
                    OutcomeRequest(),
                    start_workflow_operation=operation,
                    wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                )
            )
        except WorkflowAlreadyStartedError:
            return True  # it already ran to its end
        return await deadline.finished(handle)

    async def capture(self, payment_id: str, amount: int | None, wait_seconds: float) -> bool:
        return await self._steer(
            "capture",
            self._handle(payment_id).start_update(
                PaymentWorkflow.capture,
                CaptureRequest(amount),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )

    async def cancel(self, payment_id: str, reason: str | None, wait_seconds: float) -> bool:
        return await self._steer(
            "cancel",
            self._handle(payment_id).start_update(
                PaymentWorkflow.cancel,
                CancelRequest(reason),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )

    async def refund(self, payment_id: str, request: RefundRequest, wait_seconds: float) -> bool:
        return await self._steer(
            "refund",
            self._handle(payment_id).start_update(
                PaymentWorkflow.refund,
                request,
                id=request.refund_id,  # a retry joins the same update
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )

    async def resolve(self, payment_id: str, request: ResolveRequest, wait_seconds: float) -> bool:
        return await self._steer(
            "resolve",
            self._handle(payment_id).start_update(
                PaymentWorkflow.resolve, request, wait_for_stage=WorkflowUpdateStage.ACCEPTED
            ),
            wait_seconds,
        )

    def _handle(self, payment_id: str) -> WorkflowHandle[PaymentWorkflow, Any]:
        return self._temporal.get_workflow_handle_for(PaymentWorkflow.run, payment_id)

    async def _steer(
        self,
        action: str,
        start: Awaitable[WorkflowUpdateHandle[Any]],
        wait_seconds: float,
    ) -> bool:
        """Run an update within the wait; True when it finished. Its rejections become the
        domain's InvalidRequest (the amount) or StateConflict (the payment's state)."""
        deadline = Deadline(wait_seconds)
        try:
            update: WorkflowUpdateHandle[Any] = await deadline.accepted(start)
            return await deadline.finished(update)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else None
            message = cause.message if isinstance(cause, ApplicationError) else str(error)
            if code in AMOUNT_CODES:
                raise InvalidRequest(message, code=code, param="amount") from None
            raise StateConflict(message, code=code or NOT_ABLE[action]) from None
        except RPCError as error:
            # NOT_FOUND: the workflow has ended (or is gone): the payment takes no more
            # operations. Anything else (the server unavailable, ...) is ours, a 5xx.
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            raise StateConflict("the payment is final", code=NOT_ABLE[action]) from None


class Deadline:
    """One bound for a whole request: the workflow must take the work within it (or the
    caller is told to retry: nothing was decided), and its outcome is awaited in what is left
    (past it, the caller answers with the object as it stands)."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    def _left(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    async def accepted(self, start: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(start, timeout=max(self._left(), 1.0))
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise ServiceBusy(
                "the payment's workflow did not take the request in time; retry with the same"
                " Idempotency-Key"
            ) from None

    async def finished(self, update: WorkflowUpdateHandle[Any]) -> bool:
        try:
            await asyncio.wait_for(update.result(), timeout=self._left())
        # The SDK turns the cancelled poll into its own error.
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            return False
        return True
