"""What a payment's later workflow runs need from Postgres: the row to start from, the record
of an operator's cancellation the payment refused, and what a processor's webhook reported."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from temporalio import activity

from activities.ledger import apply_ledger, ledger_of
from activities.toolbox import StepTools
from payment_saga.db.models import Payment, Refund
from payment_saga.db.repository import PaymentRepository
from payment_saga.domain import events
from payment_saga.domain.messages import (
    CancelRefusal,
    Failure,
    LoadInput,
    NoticeInput,
    ProcessorNotice,
    RefundState,
    StepResult,
    StoredPayment,
    UnknownOperation,
    View,
)
from payment_saga.domain.states import PaymentStatus, RefundStatus

log = structlog.get_logger("payment_saga.activities")


class LifecycleActivities:
    def __init__(self, payments: StepTools) -> None:
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
        return stored(payment, refunds, self._payments.view_of(payment))

    @activity.defn
    async def apply_notice(self, data: NoticeInput) -> StoredPayment:
        """What the processor reported (a webhook), recorded with its event in one commit; the
        row as it then stands. The same notice again changes nothing."""
        notice = data.notice
        async with self._payments.change(data.payment_id) as change:
            payment, repo = change.payment, change.repo
            if notice.kind == "refund_failed":
                await self._fail_refund_later(repo, payment, notice)
            else:
                await self._record_dispute(repo, payment, notice)
            refunds = await repo.refunds_of(data.payment_id)
        return stored(payment, refunds, change.view)

    async def _fail_refund_later(
        self, repo: PaymentRepository, payment: Payment, notice: ProcessorNotice
    ) -> None:
        refund = await repo.get_refund(notice.refund_id or "")
        if refund is None or refund.payment_id != payment.id:
            log.warning("notice for an unknown refund", refund_id=notice.refund_id)
            return
        if refund.status != RefundStatus.SUCCEEDED:
            return  # failed already, or still pending (its saga step will learn the outcome)
        refund.status = RefundStatus.FAILED.value
        refund.failure_code = "refund_failed"
        refund.failure_message = notice.reason or f"{notice.processor} failed the refund later"
        refund.updated_at = datetime.now(UTC)
        apply_ledger(payment, ledger_of(payment).refund_reversed(refund.amount))
        await self._payments.emit(repo, payment, events.PAYMENT_REFUND_FAILED, refund)

    async def _record_dispute(
        self, repo: PaymentRepository, payment: Payment, notice: ProcessorNotice
    ) -> None:
        status = "open" if notice.kind == "dispute_opened" else notice.dispute_status
        if status not in ("open", "won", "lost") or payment.dispute_status == status:
            return
        payment.dispute_status = status
        payment.dispute_reason = (notice.reason or "")[:64] or payment.dispute_reason
        payment.updated_at = datetime.now(UTC)
        opened = status == "open"
        event = events.PAYMENT_DISPUTED if opened else events.PAYMENT_DISPUTE_CLOSED
        await self._payments.emit(repo, payment, event)

    @activity.defn
    async def refuse_cancel(self, data: CancelRefusal) -> StepResult:
        """Record the refusal (an event carrying the payment as it stands), nothing else."""
        async with self._payments.change(data.payment_id) as change:
            log.warning("cancel refused", payment_id=data.payment_id, reason=data.reason)
            await self._payments.emit(change.repo, change.payment, events.PAYMENT_CANCEL_REFUSED)
        return StepResult(reference=None, amount=0, view=change.view)


def stored(payment: Payment, refunds: list[Refund], view: View | None = None) -> StoredPayment:
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
        dispute_status=payment.dispute_status,
        unknown_operation=unknown_operation(payment),
        authorization_expires_at=payment.authorization_expires_at,
        action_url=payment.action_url if payment.status == PaymentStatus.REQUIRES_ACTION else None,
        view=view,
    )


def unknown_operation(payment: Payment) -> UnknownOperation | None:
    recorded = payment.unknown_operation
    if payment.status != PaymentStatus.OUTCOME_UNKNOWN or not recorded:
        return None
    failure = recorded.get("failure")
    return UnknownOperation(
        operation=recorded["operation"],
        amount=recorded.get("amount", 0),
        refund_id=recorded.get("refund_id"),
        failure=Failure(**failure) if failure else None,
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
