"""Writes for the API: tokenize at the edge, then start or steer the payment's workflow."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
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

from api.queries import PaymentQueries
from api.schemas import PaymentCreate
from db.repository import PaymentRepository
from db.session import SessionFactory
from db.views import PaymentOut, RefundOut
from domain.errors import CardError, InvalidRequest, ServiceBusy, StateConflict
from domain.fingerprints import CardFingerprints
from domain.messages import (
    CancelRequest,
    CaptureRequest,
    OutcomeRequest,
    PaymentRequest,
    RefundRequest,
)
from domain.money import format_amount
from domain.states import CaptureMethod, PaymentStatus, RefundStatus
from gateway.protocol import CardInput, PaymentGateway
from settings import Settings
from workflows.payment import PaymentWorkflow

# What a command answers with: the payment or refund as the API shows it.
View = PaymentOut | RefundOut
# Update rejections that are about the request's amount (400), not the payment's state (409).
AMOUNT_CODES = {"amount_exceeds_authorized", "amount_exceeds_refundable"}


class PaymentCommands:
    def __init__(
        self,
        settings: Settings,
        temporal: Client,
        sessions: SessionFactory,
        gateway: PaymentGateway,
        queries: PaymentQueries,
        fingerprints: CardFingerprints,
    ) -> None:
        self._settings = settings
        self._temporal = temporal
        self._sessions = sessions
        self._gateway = gateway
        self._queries = queries
        self._fingerprints = fingerprints

    def card_fingerprint(self, number: str) -> str:
        return self._fingerprints.of(number)

    async def create(
        self, payment_id: str, body: PaymentCreate, wait_seconds: int | None
    ) -> tuple[int, View]:
        """Returns the HTTP status and the payment: 201 settled, 402 failed, 202 still going."""
        request = await self._tokenized_request(payment_id, body)
        outcome_known = await self._start(request, wait_seconds)
        if not outcome_known:
            # The workflow inserts the row before its first gateway call (so it is there once
            # an outcome is known); inserting here too lets a GET right after a 202 find it.
            async with self._sessions.begin() as session:
                await PaymentRepository(session).add_if_missing(request)
        payment = await self._queries.payment(payment_id)
        if wait_seconds is None or not outcome_known:
            return 202, payment
        status = payment.status
        if status is PaymentStatus.FAILED:
            raise _card_error(payment)
        return (201 if status.outcome_known(body.capture_method) else 202), payment

    async def _tokenized_request(self, payment_id: str, body: PaymentCreate) -> PaymentRequest:
        card = body.payment_method.card
        token = await self._gateway.tokenize(
            CardInput(card.number, card.exp_month, card.exp_year, card.cvc, card.holder_name)
        )
        # Our keyed fingerprint, not the processor's: it is what we store (PCI DSS 3.5.1).
        summary = replace(token.card, fingerprint=self._fingerprints.of(card.number))
        return PaymentRequest(
            payment_id=payment_id,
            order_id=body.order_id,
            amount=body.amount,
            currency=body.currency,
            card_token=token.token,
            card=summary,
            capture_method=CaptureMethod(body.capture_method),
            customer_id=body.customer_id,
            description=body.description,
            metadata=body.metadata,
            authorize_deadline_seconds=self._settings.payments.authorize_deadline_seconds,
            authorization_expiry_seconds=self._settings.payments.authorization_expiry_seconds,
            refund_window_seconds=self._settings.payments.refund_window_seconds,
        )

    async def _start(self, request: PaymentRequest, wait_seconds: int | None) -> bool:
        """Start the workflow (once: the id is derived from the Idempotency-Key); True when
        the outcome is known within the wait."""
        options: dict[str, Any] = {
            "id": request.payment_id,
            "task_queue": self._settings.temporal.task_queue,
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            # A finished payment is never started again under the same id.
            "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
            "static_summary": f"order {request.order_id}: "
            f"{format_amount(request.amount, request.currency)}, {request.capture_method} capture",
        }
        deadline = Deadline(self._wait(wait_seconds))
        try:
            if wait_seconds is None:
                await deadline.accepted(
                    self._temporal.start_workflow(PaymentWorkflow.run, request, **options)
                )
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

    def _wait(self, wait_seconds: int | None) -> float:
        """`Prefer: wait=N`, or the longest wait when none was asked for."""
        longest = self._settings.api.max_wait_seconds
        return float(longest if wait_seconds is None else min(wait_seconds, longest))

    async def capture(
        self, payment_id: str, amount: int | None, wait_seconds: int | None = None
    ) -> tuple[int, View]:
        """200 and the payment once captured; 202 and the payment as it stands if not yet."""
        handle = await self._handle(payment_id)
        finished = await self._steer(
            "capture",
            handle.start_update(
                PaymentWorkflow.capture,
                CaptureRequest(amount),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )
        return (200 if finished else 202), await self._queries.payment(payment_id)

    async def cancel(
        self, payment_id: str, reason: str | None, wait_seconds: int | None = None
    ) -> tuple[int, View]:
        handle = await self._handle(payment_id)
        finished = await self._steer(
            "cancel",
            handle.start_update(
                PaymentWorkflow.cancel,
                CancelRequest(reason),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )
        return (200 if finished else 202), await self._queries.payment(payment_id)

    async def refund(
        self, payment_id: str, request: RefundRequest, wait_seconds: int | None = None
    ) -> tuple[int, View]:
        """201 and the refund once its outcome is known; 202 and the pending refund if not."""
        handle = await self._handle(payment_id)
        finished = await self._steer(
            "refund",
            handle.start_update(
                PaymentWorkflow.refund,
                request,
                id=request.refund_id,  # a retry joins the same update
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            wait_seconds,
        )
        refund = await self._queries.refund_or_none(request.refund_id, payment_id)
        if finished and refund is not None:
            return 201, refund
        return 202, refund or await self._pending_refund(payment_id, request)

    async def _pending_refund(self, payment_id: str, request: RefundRequest) -> RefundOut:
        """The refund as accepted, before its activity has written its row."""
        payment = await self._queries.payment(payment_id)
        return RefundOut(
            id=request.refund_id,
            object="refund",
            payment_id=payment_id,
            amount=request.amount or payment.amount_captured - payment.amount_refunded,
            currency=payment.currency,
            status=RefundStatus.PENDING,
            reason=request.reason,
            failure=None,
            created_at=payment.updated_at,
        )

    async def _handle(self, payment_id: str) -> WorkflowHandle[PaymentWorkflow, Any]:
        await self._queries.payment(payment_id)  # 404 before anything else
        return self._temporal.get_workflow_handle_for(PaymentWorkflow.run, payment_id)

    async def _steer(
        self,
        action: str,
        start: Any,
        wait_seconds: int | None,
    ) -> bool:
        """Run an update within the wait; True when it finished. Its rejections become the
        API's 400 / 409 errors."""
        deadline = Deadline(self._wait(wait_seconds))
        try:
            update: WorkflowUpdateHandle[Any] = await deadline.accepted(start)
            return await deadline.finished(update)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else None
            message = cause.message if isinstance(cause, ApplicationError) else str(error)
            if code in AMOUNT_CODES:
                raise InvalidRequest(message, code=code, param="amount") from None
            raise StateConflict(message, code=code or _not_able(action)) from None
        except RPCError as error:
            # NOT_FOUND: the workflow has ended (or is gone): the payment takes no more
            # operations. Anything else (the server unavailable, ...) is ours, a 5xx.
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            raise StateConflict("the payment is final", code=_not_able(action)) from None


class Deadline:
    """One bound for a whole request: the workflow must take the work within it (or the
    client is told to retry: nothing was decided), and its outcome is awaited in what is left
    (past it, the answer is 202 with the object as it stands)."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    def _left(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    async def accepted(self, start: Any) -> Any:
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


def _card_error(payment: PaymentOut) -> CardError:
    """A declined payment: 402, a card_error with the failed payment inside."""
    failure = payment.failure
    return CardError(
        (failure.message if failure else None) or "the card was declined",
        code=failure.code if failure else "card_declined",
        decline_code=failure.decline_code if failure else None,
        payment=payment.model_dump(mode="json"),
    )


def _not_able(action: str) -> str:
    return {
        "capture": "payment_not_capturable",
        "cancel": "payment_not_cancelable",
        "refund": "payment_not_refundable",
    }[action]
