"""Manual capture, refunds, cancel and authorization expiry, steered through workflow updates."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from payment_saga.db.models import Refund
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import (
    CancelRequest,
    CaptureRequest,
    PaymentState,
    RefundRequest,
    RefundState,
)
from payment_saga.domain.states import CaptureMethod
from tests.integration.conftest import Payments
from tests.integration.test_saga_cards import event_types, operations, row
from workflows.payment import PaymentWorkflow

MANUAL = CaptureMethod.MANUAL


async def until_status(handle: WorkflowHandle[Any, Any], status: str) -> PaymentState:
    for _ in range(200):
        state: PaymentState = await handle.query(PaymentWorkflow.state)
        if state.status == status:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"payment never reached {status}; last {state.status}")


async def rejection(update: Any) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await update
    assert isinstance(caught.value.cause, ApplicationError)
    return caught.value.cause


async def test_manual_partial_capture_then_refunds(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4242424242424242", amount=10_000, capture_method=MANUAL)
    await until_status(handle, "authorized")

    captured = await handle.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=8000))
    assert (captured.status, captured.amount_captured) == ("captured", 8000)
    first = await handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id="re_a" + handle.id, amount=3000)
    )
    assert first.status == "succeeded"
    too_much = handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id="re_b" + handle.id, amount=5001)
    )
    assert (await rejection(too_much)).type == "amount_exceeds_refundable"
    rest: RefundState = await handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id="re_c" + handle.id)
    )
    assert (rest.status, rest.amount) == ("succeeded", 5000)

    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == (
        "refunded", 8000, 8000,
    )  # fmt: skip
    assert await operations(payments, handle.id) == ["authorize", "capture", "refund", "refund"]
    assert await event_types(sessions, handle.id) == [
        "payment.authorized", "payment.succeeded", "payment.refunded", "payment.refunded",
    ]  # fmt: skip
    result: PaymentState = await handle.result()  # fully refunded: the workflow completes
    assert result.status == "refunded"


async def test_same_refund_id_is_applied_once(payments: Payments) -> None:
    handle = await payments.start("4242424242424242", amount=1000)
    await until_status(handle, "captured")
    request = RefundRequest(refund_id="re_once" + handle.id, amount=400)

    outcomes = await asyncio.gather(
        *(handle.execute_update(PaymentWorkflow.refund, request) for _ in range(5))
    )
    assert {o.status for o in outcomes} == {"succeeded"}
    assert await operations(payments, handle.id) == ["authorize", "capture", "refund"]


async def test_capture_is_rejected_for_automatic_payments(payments: Payments) -> None:
    handle = await payments.start("4242424242424242")
    await until_status(handle, "captured")
    error = await rejection(handle.execute_update(PaymentWorkflow.capture, CaptureRequest()))
    assert error.type == "payment_not_capturable"


async def test_capture_beyond_authorization_is_rejected(payments: Payments) -> None:
    handle = await payments.start("4242424242424242", amount=500, capture_method=MANUAL)
    await until_status(handle, "authorized")
    error = await rejection(
        handle.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=501))
    )
    assert error.type == "amount_exceeds_authorized"
    await handle.execute_update(PaymentWorkflow.cancel, CancelRequest())


async def test_cancel_authorized_voids(payments: Payments, sessions: SessionFactory) -> None:
    handle = await payments.start("4242424242424242", capture_method=MANUAL)
    await until_status(handle, "authorized")

    state = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest(reason="other"))
    assert state.status == "canceled"
    assert (await handle.result()).status == "canceled"
    assert await operations(payments, handle.id) == ["authorize", "void"]
    assert await event_types(sessions, handle.id) == ["payment.authorized", "payment.canceled"]
    with pytest.raises(RPCError, match="already completed"):
        await handle.execute_update(PaymentWorkflow.cancel, CancelRequest())


async def test_cancel_captured_refunds_the_remainder(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("5555555555554444", amount=3000)
    await until_status(handle, "captured")
    await handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id="re_p" + handle.id, amount=1000)
    )

    state = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest())
    assert (state.status, state.amount_refunded) == ("refunded", 3000)
    assert await operations(payments, handle.id) == ["authorize", "capture", "refund", "refund"]


async def test_refused_refund_leaves_amounts_unchanged(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4000000000005126", amount=2000)
    await until_status(handle, "captured")

    refund = await handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id="re_x" + handle.id, amount=500)
    )
    assert (refund.status, refund.failure and refund.failure.code) == ("failed", "refund_refused")
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_refunded) == ("captured", 0)
    async with sessions() as session:
        stored = await session.get(Refund, "re_x" + handle.id)
    assert stored is not None and stored.status == "failed"
    assert await event_types(sessions, handle.id) == [
        "payment.authorized", "payment.succeeded", "payment.refund_failed",
    ]  # fmt: skip


async def test_authorization_expiry_voids_and_cancels(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start(
        "4242424242424242", capture_method=MANUAL, authorization_expiry_seconds=2
    )
    result: PaymentState = await handle.result()

    assert result.status == "canceled"
    assert await operations(payments, handle.id) == ["authorize", "void"]
    assert (await row(sessions, handle.id)).status == "canceled"
