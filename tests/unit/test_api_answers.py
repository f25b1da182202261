"""Which workflow answers the API takes as they are, and which send it to the row (#28)."""

from __future__ import annotations

from typing import Any

from api.commands import answered_payment, answered_refund
from payment_saga.db.views import PaymentOut
from payment_saga.domain.messages import PaymentState, RefundState
from payment_saga.domain.states import CaptureMethod, PaymentStatus, RefundStatus
from payment_saga.steering.deadlines import Answer

VIEW: dict[str, Any] = {
    "id": "pay_1", "object": "payment", "account_id": "acct_default", "order_id": "ord_1",
    "customer_id": None, "amount": 2500, "currency": "USD", "status": "captured",
    "capture_method": "automatic", "amount_authorized": 2500, "amount_captured": 2500,
    "amount_refunded": 0, "payment_method": {"type": "paypal"}, "failure": None,
    "gateway_reference": "auth_1", "description": None, "metadata": {},
    "created_at": "2026-12-06T10:00:00+00:00", "updated_at": "2026-12-06T10:00:01+00:00",
    "workflow": {"id": "pay_1", "run_id": None, "ui_url": "http://ui"},
}  # fmt: skip


def state(status: PaymentStatus, captured: int, view: dict[str, Any] | None) -> PaymentState:
    return PaymentState(
        "pay_1", status, 2500, "USD", CaptureMethod.AUTOMATIC,
        amount_authorized=2500, amount_captured=captured, view=view,
    )  # fmt: skip


def test_a_finished_update_answers_with_the_view_the_workflow_returned() -> None:
    answered = answered_payment(Answer(True, state(PaymentStatus.CAPTURED, 2500, VIEW)))
    assert answered == PaymentOut.model_validate(VIEW)


def test_a_view_that_is_not_the_states_is_not_answered() -> None:
    """An outcome gone unknown, or a step whose answer the run did not take: read the row."""
    stale = state(PaymentStatus.REFUNDED, 2500, VIEW)
    assert answered_payment(Answer(True, stale)) is None


def test_no_view_or_work_going_on_reads_the_row() -> None:
    assert answered_payment(Answer(True, state(PaymentStatus.CAPTURED, 2500, None))) is None
    assert answered_payment(Answer(False)) is None
    assert answered_payment(Answer(True, None)) is None  # the run had already ended


def test_a_refund_answers_with_its_recorded_view_when_its_status_agrees() -> None:
    view = {
        "id": "re_1", "object": "refund", "payment_id": "pay_1", "amount": 500,
        "currency": "USD", "status": "succeeded", "reason": None, "failure": None,
        "gateway_reference": "rf_1", "created_at": "2026-12-06T10:00:02+00:00",
    }  # fmt: skip
    refund = RefundState("re_1", 500, "USD", RefundStatus.SUCCEEDED, view=view)
    answered = answered_refund(Answer(True, refund))
    assert answered is not None and answered.gateway_reference == "rf_1"
    failed = RefundState("re_1", 500, "USD", RefundStatus.FAILED, view=view)
    assert answered_refund(Answer(True, failed)) is None
