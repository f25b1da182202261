"""Payment activities: authorize, capture, refund; each a gateway step, then its attempt rows,
state change and event in one commit (activities/toolbox.py).

Each activity is idempotent under retry: the gateway call reuses its idempotency key, and the
state change is skipped when an earlier attempt already committed it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.failover import authorize_along_route
from activities.ledger import Change, apply_ledger, check_refund_of, ledger_of, pending_refund
from activities.metrics import ActivityMetrics
from activities.toolbox import StepTools
from payment_saga.db.models import Payment
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory, single_statement
from payment_saga.domain import events
from payment_saga.domain.keys import capture_key, refund_key
from payment_saga.domain.messages import (
    AuthorizeInput,
    CaptureInput,
    PaymentRequest,
    RefundFailureInput,
    RefundInput,
    StepResult,
)
from payment_saga.domain.states import PaymentStatus, RefundStatus
from payment_saga.processors.port import GatewayOperation, OperationQuery, PaymentGateway
from payment_saga.processors.routing import Gateways


class PaymentActivities:
    """Authorize, capture and refund, each through the toolbox."""

    def __init__(
        self,
        sessions: SessionFactory,
        gateway: PaymentGateway | Gateways,
        *,
        temporal_ui_url: str,
        namespace: str,
        metrics: ActivityMetrics | None = None,
    ) -> None:
        self.tools = StepTools(
            sessions, gateway, temporal_ui_url=temporal_ui_url, namespace=namespace,
            metrics=metrics,
        )  # fmt: skip

    @property
    def metrics(self) -> ActivityMetrics:
        return self.tools.metrics

    @activity.defn
    async def authorize(self, data: AuthorizeInput) -> StepResult:
        """Authorize on the payment's processor, the next in its route taking over when one is
        unavailable (activities/failover.py)."""
        request = data.payment
        payment_id = request.payment_id
        on = await self._recorded_processor(request)
        operation, attempts, processor = await authorize_along_route(self.tools, request, on)
        async with self.tools.change(payment_id, attempts) as change:
            payment = change.payment
            payment.workflow_run_id = payment.workflow_run_id or _run_id()
            if payment.status == PaymentStatus.PENDING:
                payment.gateway_reference = operation.authorization_id
                payment.processor = processor or payment.processor
                if operation.action_url is None:
                    await self.tools.record_authorized(change, operation)
                else:
                    await self._record_awaiting_customer(change, operation, request)
        return StepResult(
            operation.authorization_id,
            operation.amount,
            expires_at=operation.expires_at,
            action_url=operation.action_url,
            view=change.view,
        )

    async def _record_awaiting_customer(
        self, change: Change, operation: GatewayOperation, request: PaymentRequest
    ) -> None:
        """Nothing held yet: the payment waits for the customer, until its action's limit."""
        payment = change.payment
        apply_ledger(payment, ledger_of(payment).await_customer())
        payment.action_url = operation.action_url
        waits = timedelta(seconds=request.action_timeout_seconds)
        payment.action_expires_at = payment.created_at + waits
        await self.tools.emit(change.repo, payment, events.PAYMENT_REQUIRES_ACTION)

    async def _recorded_processor(self, request: PaymentRequest) -> str | None:
        """For a routed payment, the processor its row names (a retry carries on where an
        earlier try moved it). The create writes the row before it starts the run
        (payment_saga/steering/payments.py); a row not there yet is retried, not guessed: a
        create from an API of the release before wrote it only after the start."""
        async with single_statement(self.tools.sessions) as session:
            found = (
                await session.execute(
                    select(Payment.processor).where(Payment.id == request.payment_id)
                )
            ).first()
        if found is None:
            raise ApplicationError(
                f"payment {request.payment_id} has no row yet", type="payment_not_recorded"
            )
        return found.processor if request.route else None

    @activity.defn
    async def capture(self, data: CaptureInput) -> StepResult:
        key = capture_key(data.payment_id)
        processor = await self.tools.processor_of(data.payment_id)
        operation, attempts = await self.tools.step(
            data.payment_id,
            OperationQuery("capture", key, data.authorization_reference),
            lambda: self.tools.gateways[processor].capture(
                data.authorization_reference, data.amount, key
            ),
            processor,
            data.look_up_first,
        )
        result = StepResult(reference=operation.reference, amount=operation.amount)
        change = await self.tools.record_capture(data.payment_id, result, attempts)
        return replace(result, view=change.view)

    @activity.defn
    async def refund(self, data: RefundInput) -> StepResult:
        async with self.tools.sessions.begin() as session:
            await session.execute(pending_refund(data))
            check_refund_of(await PaymentRepository(session).get_refund(data.refund_id), data)
        key = refund_key(data.payment_id, data.refund_id)
        processor = await self.tools.processor_of(data.payment_id)
        operation, attempts = await self.tools.step(
            data.payment_id,
            OperationQuery("refund", key, data.authorization_reference),
            lambda: self.tools.gateways[processor].refund(
                data.authorization_reference, data.amount, key
            ),
            processor,
            data.look_up_first,
        )
        result = StepResult(reference=operation.reference, amount=operation.amount)
        change = await self.tools.record_refund(data, result, attempts)
        return replace(result, view=change.view, refund_view=change.refund_view)

    @activity.defn
    async def fail_refund(self, data: RefundFailureInput) -> StepResult:
        """The gateway refused the refund (or never got it): the refund ends failed, the
        payment's amounts stay."""
        async with self.tools.change(data.refund.payment_id, refund=data.refund) as change:
            payment, refund = change.payment, change.refund_row
            if refund.status == RefundStatus.PENDING:
                refund.status = RefundStatus.FAILED.value
                refund.failure_code = data.failure.code
                refund.failure_message = data.failure.message
                refund.updated_at = datetime.now(UTC)
                apply_ledger(payment, ledger_of(payment).resolved())
                await self.tools.emit(change.repo, payment, events.PAYMENT_REFUND_FAILED, refund)
        return StepResult(None, 0, view=change.view, refund_view=change.refund_view)


def _run_id() -> str | None:
    return activity.info().workflow_run_id if activity.in_activity() else None
