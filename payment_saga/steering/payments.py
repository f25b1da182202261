"""Start a payment's workflow and steer it with updates, within a deadline, with one
translation of what Temporal answers into the domain's errors.

The API (api/commands.py) and the CLI (payment_saga/ops/cli/payments.py) both go through
here, so a rejected update, an ended workflow or a workflow that does not take a request in
time means the same thing wherever it is met. A create records the payment's row here, its one
writer, before the run starts; what a finished request returns is the workflow's answer
(`Answer`, payment_saga/steering/deadlines.py), which the API answers with.

A payment's run closes once it is settled and idle; every update goes with a start (update-
with-start) of a later run built from the payment's row, which the server uses only when no
run is open. An update that reaches a run as it closes is aborted by the server, unseen by the
workflow: it is sent again, onto the next run, within the same deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from payment_saga.config import PaymentSettings
from payment_saga.db.models import Payment
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory, single_statement
from payment_saga.domain.errors import (
    MISSING_SCOPE,
    REFUND_BY_CANCEL,
    InvalidRequest,
    NotPermitted,
    ResourceMissing,
    ServiceBusy,
    StateConflict,
)
from payment_saga.domain.messages import (
    CancelRequest,
    CaptureRequest,
    CustomerReturn,
    OutcomeRequest,
    PaymentRequest,
    PaymentState,
    ProcessorNotice,
    RefundRequest,
    RefundState,
    ResolveRequest,
)
from payment_saga.domain.money import format_amount
from payment_saga.domain.states import PaymentStatus, cancel_refunds, refund_window_closed
from payment_saga.steering.deadlines import Answer, Deadline
from payment_saga.steering.requests import later_run_request
from workflows import search_attributes
from workflows.payment import PaymentWorkflow

# Update rejections that are about the request's amount (400), not the payment's state (409).
AMOUNT_CODES = {"amount_exceeds_authorized", "amount_exceeds_refundable"}
NOT_ABLE = {
    "capture": "payment_not_capturable",
    "cancel": "payment_not_cancelable",
    "refund": "payment_not_refundable",
    "resolve": "payment_not_unresolved",
}
# Between two tries of an update that met a closing run.
RESEND_PAUSE_SECONDS = 0.05


class PaymentSteering:
    def __init__(
        self,
        temporal: Client,
        task_queue: str,
        sessions: SessionFactory,
        payments: PaymentSettings,
    ) -> None:
        self._temporal = temporal
        self._task_queue = task_queue
        self._sessions = sessions
        self._payments = payments

    def _start_options(self, request: PaymentRequest) -> dict[str, Any]:
        """A new payment's run: it starts with the payment's first search attributes."""
        return {
            **self._run_options(request),
            "search_attributes": search_attributes.at_start(request),
        }

    def _run_options(self, request: PaymentRequest) -> dict[str, Any]:
        return {
            "id": request.payment_id,
            "task_queue": self._task_queue,
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            # A create never starts a payment's workflow again; later runs are started by
            # work on the payment (ALLOW_DUPLICATE, below).
            "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
            "static_summary": f"order {request.order_id}: "
            f"{format_amount(request.amount, request.currency)}, {request.capture_method} capture",
        }

    async def start(
        self,
        request: PaymentRequest,
        wait_seconds: float,
        *,
        for_outcome: bool,
        default_processor: str | None = None,
    ) -> Answer:
        """Record the payment, then start its workflow (once: its id is the payment's) within
        the wait. `for_outcome`: also wait there for the outcome, done (with the workflow's
        state) when it is known in time; else not done once started. `default_processor`:
        where a payment without a route goes (the deployment's GATEWAY_KIND)."""
        request = await self._recorded(request, default_processor)
        options = self._start_options(request)
        deadline = Deadline(wait_seconds)
        try:
            if not for_outcome:
                start = self._temporal.start_workflow(PaymentWorkflow.run, request, **options)
                await deadline.accepted(start)
                return Answer(done=False)
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
            return Answer(done=True)  # it already ran to its end: the row tells the rest
        return await deadline.finished(handle)

    async def _recorded(
        self, request: PaymentRequest, default_processor: str | None
    ) -> PaymentRequest:
        """The payment's pending row, written here and nowhere else, before its run starts: a
        GET finds an accepted payment even while workers lag, and the run's steps find the row
        they record on. A create retried after its first try wrote the row (and then met a 503,
        or its API process died) starts with what the row holds: the tokens the payment's
        idempotency keys were first sent with, not the retry's new ones."""
        async with single_statement(self._sessions) as session:
            if await PaymentRepository(session).add_if_missing(request, default_processor):
                return request
        return replace(
            later_run_request(await self._row(request.payment_id), self._payments), resume=False
        )

    async def wake(self, payment: Payment) -> None:
        """Start a later run from the row unless one is open (reconcile's repair)."""
        request = later_run_request(payment, self._payments)
        await self._temporal.start_workflow(
            PaymentWorkflow.run, request, **self._later_run_options(request)
        )

    async def capture(
        self, payment_id: str, amount: int | None, wait_seconds: float, update_id: str | None = None
    ) -> Answer:
        """`update_id`: derived from the request's Idempotency-Key, so a retry (after a 503)
        joins the update it sent before instead of meeting the capture it made."""
        update = Update("capture", CaptureRequest(amount), update_id)
        return await self._steer(await self._row(payment_id), update, wait_seconds)

    async def cancel(
        self,
        payment_id: str,
        reason: str | None,
        wait_seconds: float,
        update_id: str | None = None,
        refunds_allowed: bool = True,
    ) -> Answer:
        """Void an authorized payment, or refund what is left of a captured one: that moves
        money back, so it needs `refunds_allowed` (the caller's `refunds:write`)."""
        payment = await self._row(payment_id)
        if cancel_refunds(PaymentStatus(payment.status)):
            if not refunds_allowed:
                raise NotPermitted(REFUND_BY_CANCEL, param=None)
            self._refund_window_open(payment, "payment_not_cancelable")
        update = Update("cancel", CancelRequest(reason, refunds_allowed), update_id)
        return await self._steer(payment, update, wait_seconds)

    async def refund(self, payment_id: str, request: RefundRequest, wait_seconds: float) -> Answer:
        payment = await self._row(payment_id)
        self._refund_window_open(payment, "payment_not_refundable")
        # The refund id is the update's id: a retry joins the same update.
        update = Update("refund", request, request.refund_id, RefundState)
        return await self._steer(payment, update, wait_seconds)

    async def resolve(
        self, payment_id: str, request: ResolveRequest, wait_seconds: float
    ) -> Answer:
        update = Update("resolve", request)
        return await self._steer(await self._row(payment_id), update, wait_seconds)

    async def notice(
        self, payment: Payment, notice: ProcessorNotice, wait_seconds: float
    ) -> Answer:
        """A processor's webhook to the payment's run: the event id is the update's id, so the
        same event sent twice joins one update."""
        update = Update("notice", notice, f"{notice.processor}:{notice.event_id}")
        return await self._steer(payment, update, wait_seconds)

    async def customer_returned(
        self, payment_id: str, wait_seconds: float, canceled: bool = False
    ) -> Payment:
        """The customer is back from the processor's page: a payment still waiting for them
        looks at the processor now; the row as it then stands. Any other payment is left as
        it is (a late or repeated return starts no run), and so is one whose run does not
        answer in time: the customer is sent on either way, and the run's own looks go on."""
        payment = await self._row(payment_id)
        if payment.status != PaymentStatus.REQUIRES_ACTION:
            return payment
        with contextlib.suppress(ServiceBusy, StateConflict):
            update = Update("customer_returned", CustomerReturn(canceled))
            await self._steer(payment, update, wait_seconds)
        return await self._row(payment_id)

    async def _row(self, payment_id: str) -> Payment:
        async with self._sessions() as session:
            payment = await PaymentRepository(session).get(payment_id)
        if payment is None:
            raise ResourceMissing(f"no payment {payment_id}", param="id")
        return payment

    def _refund_window_open(self, payment: Payment, code: str) -> None:
        """The refund window, asked of the row (the truth a run's clock may lag behind): the
        rule is the domain's, as the run asks it too."""
        now = datetime.now(UTC)
        closed = refund_window_closed(
            payment.captured_at, self._payments.refund_window_seconds, now
        )
        if closed is not None:
            raise StateConflict(closed, code=code)

    def _later_run_options(self, request: PaymentRequest) -> dict[str, Any]:
        """A later run: no first values (the payment is not new); its first task upserts
        the row's, once loaded."""
        return {
            **self._run_options(request),
            "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            "static_summary": f"order {request.order_id}: later work on the payment",
        }

    async def _steer(self, payment: Payment, update: Update, wait_seconds: float) -> Answer:
        """Run an update within the wait, on the open run or a new one; done when it finished.
        Its rejections become the domain's InvalidRequest (the amount) or StateConflict (the
        payment's state)."""
        deadline = Deadline(wait_seconds)
        request = later_run_request(payment, self._payments)
        while True:
            operation = WithStartWorkflowOperation(
                PaymentWorkflow.run, request, **self._later_run_options(request)
            )
            try:
                handle: WorkflowUpdateHandle[Any] = await deadline.accepted(
                    self._temporal.start_update_with_start_workflow(
                        update.name,
                        update.argument,
                        id=update.id,
                        result_type=update.returns,
                        start_workflow_operation=operation,
                        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                    )
                )
                return await deadline.finished(handle)
            except WorkflowUpdateFailedError as error:
                raise _refusal(update.name, error) from None
            except RPCError as error:
                # NOT_FOUND: the run closed before it saw the update; the next try starts a
                # new one. Anything else (the server unavailable, ...) is ours, a 5xx.
                if error.status != RPCStatusCode.NOT_FOUND or deadline.over():
                    raise
                await asyncio.sleep(RESEND_PAUSE_SECONDS)


@dataclass(frozen=True)
class Update:
    """One update to send: its name (the workflow's update method), argument, id, and the
    type the update returns."""

    name: str
    argument: object
    id: str | None = None
    returns: type = PaymentState


def _refusal(
    action: str, error: WorkflowUpdateFailedError
) -> InvalidRequest | StateConflict | NotPermitted:
    cause = error.cause
    code = cause.type if isinstance(cause, ApplicationError) and cause.type else None
    message = cause.message if isinstance(cause, ApplicationError) else str(error)
    if code in AMOUNT_CODES:
        return InvalidRequest(message, code=code, param="amount")
    if code == MISSING_SCOPE:
        return NotPermitted(message, param=None)
    return StateConflict(message, code=code or NOT_ABLE[action])
