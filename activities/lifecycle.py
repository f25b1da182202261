"""What a payment's later workflow runs need from Postgres: the row to start from, and the
record of an operator's cancellation the payment refused."""

from __future__ import annotations

import structlog
from temporalio import activity

from activities.payments import PaymentActivities
from db.models import Payment, Refund
from db.repository import PaymentRepository
from domain import events
from domain.messages import (
    CancelRefusal,
    Failure,
    LoadInput,
    RefundState,
    StepResult,
    StoredPayment,
)
from domain.states import PaymentStatus, RefundStatus

log = structlog.get_logger("payment_saga.activities")


class LifecycleActivities:
    def __init__(self, payments: PaymentActivities) -> None:
        self._payments = payments

    @activity.defn
    async def load_payment(self, data: LoadInput) -> StoredPayment:
        """The payment's ledger, reference, failure and refunds as committed."""
        async with self._payments.sessions() as session:
            repo = PaymentRepository(session)
            payment = await repo.get(data.payment_id)
            if payment is None:
                return StoredPayment(found=False)
            refunds = await repo.refunds_of(data.payment_id)
        return stored(payment, refunds)

    @activity.defn
    async def refuse_cancel(self, data: CancelRefusal) -> StepResult:
        """Record the refusal (an event carrying the payment as it stands), nothing else."""
        async with self._payments.change(data.payment_id) as change:
            log.warning("cancel refused", payment_id=data.payment_id, reason=data.reason)
            await self._payments.emit(change.repo, change.payment, events.PAYMENT_CANCEL_REFUSED)
        return StepResult(reference=None, amount=0)


def stored(payment: Payment, refunds: list[Refund]) -> StoredPayment:
    failure = None
    if payment.failure_code is not None and payment.status == PaymentStatus.FAILED:
        failure = Failure(
            code=payment.failure_code,
            message=payment.failure_message or "",
            decline_code=payment.failure_decline_code,
        )
    return StoredPayment(
        found=True,
        status=PaymentStatus(payment.status),
        amount_authorized=payment.amount_authorized,
        amount_captured=payment.amount_captured,
        amount_refunded=payment.amount_refunded,
        gateway_reference=payment.gateway_reference,
        failure=failure,
        refunds=[refund_state(refund) for refund in refunds],
        created_at=payment.created_at,
        captured_at=payment.captured_at,
    )


def refund_state(refund: Refund) -> RefundState:
    failure = None
    if refund.failure_code is not None:
        failure = Failure(code=refund.failure_code, message=refund.failure_message or "")
    return RefundState(
        refund_id=refund.id,
        amount=refund.amount,
        currency=refund.currency,
        status=RefundStatus(refund.status),
        reason=refund.reason,
        failure=failure,
    )
