"""The payment row as a Ledger, and the refund row a refund step starts with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import Insert, insert

from payment_saga.db.models import Payment, Refund
from payment_saga.db.repository import PaymentRepository
from payment_saga.domain.errors import LedgerMismatch
from payment_saga.domain.messages import RefundInput, View
from payment_saga.domain.states import Ledger, PaymentStatus, RefundStatus


@dataclass
class Change:
    """Inside one state change's transaction: the repository, the locked payment row, and the
    refund row when the step is a refund. Once the caller's changes are made, `view` (and
    `refund_view`) hold them as the API shows them, for the step to return."""

    repo: PaymentRepository
    payment: Payment
    refund: Refund | None = None
    view: View | None = None
    refund_view: View | None = None

    @property
    def refund_row(self) -> Refund:
        if self.refund is None:
            raise LedgerMismatch(f"payment {self.payment.id}: a refund change without its row")
        return self.refund


def ledger_of(payment: Payment) -> Ledger:
    return Ledger(
        status=PaymentStatus(payment.status),
        amount=payment.amount,
        authorized=payment.amount_authorized,
        captured=payment.amount_captured,
        refunded=payment.amount_refunded,
    )


def apply_ledger(payment: Payment, ledger: Ledger) -> None:
    now = datetime.now(UTC)
    if ledger.captured and not payment.amount_captured:
        payment.captured_at = now  # the refund window opens
    payment.status = ledger.status.value
    if ledger.status is not PaymentStatus.OUTCOME_UNKNOWN:
        payment.unknown_operation = None  # resolved: nothing is left to look up
    payment.amount_authorized = ledger.authorized
    payment.amount_captured = ledger.captured
    payment.amount_refunded = ledger.refunded
    payment.updated_at = now


def pending_refund(data: RefundInput) -> Insert:
    return (
        insert(Refund)
        .values(
            id=data.refund_id,
            payment_id=data.payment_id,
            amount=data.amount,
            currency=data.currency,
            status=RefundStatus.PENDING.value,
            reason=data.reason,
        )
        .on_conflict_do_nothing(index_elements=[Refund.id])
    )


def check_refund_of(refund: Refund | None, data: RefundInput) -> Refund:
    """The refund row is the one this step addresses: its payment, its amount."""
    if refund is None:
        raise LedgerMismatch(f"refund {data.refund_id} has no row")
    if refund.payment_id != data.payment_id or refund.amount != data.amount:
        raise LedgerMismatch(f"refund {data.refund_id} belongs to another request")
    return refund
