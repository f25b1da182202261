"""A later run carries every fact the first had (issue #26, items 1, 2, 6 and 7): it can void
an authorized payment, picks up an operation whose outcome stayed unknown, looks a pending
refund up before sending it again; and a void the processor refused while it still holds the
authorization waits for an operator instead of failing the run with nothing recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from payment_saga.config import PaymentSettings
from payment_saga.db.models import Payment
from payment_saga.domain.messages import (
    CancelRequest,
    Failure,
    PaymentState,
    RefundState,
    ResolveRequest,
    StoredPayment,
    UnknownOperation,
)
from payment_saga.domain.states import CaptureMethod, Outcome, PaymentStatus, RefundStatus
from payment_saga.steering.requests import later_run_request
from tests.unit.test_unclear_outcomes import rejection, until_status
from tests.unit.workflow_fakes import FakeGateway, request, start, start_env, worker_for
from workflows.payment import PaymentWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


async def closed(handle: WorkflowHandle[PaymentWorkflow, PaymentState]) -> PaymentState:
    """The run's result; a run left waiting fails the test instead of hanging it."""
    return await asyncio.wait_for(handle.result(), timeout=20)


def row(status: PaymentStatus, **values: Any) -> StoredPayment:
    return StoredPayment(
        found=True,
        status=status,
        created_at=datetime.now(UTC),
        amount_authorized=1000,
        gateway_reference="auth_1",
        **values,
    )


async def test_a_later_run_voids_an_authorized_payment(env: WorkflowEnvironment) -> None:
    """Terminated and repaired, an authorized manual payment answered a cancel with 200 and
    kept its hold: the later run had no void registered."""
    fake = FakeGateway(env, stored=row(PaymentStatus.AUTHORIZED))
    later = request(capture_method=CaptureMethod.MANUAL, resume=True)
    async with worker_for(env, fake):
        handle = await start(env, fake, later)
        canceled = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest("gone"))
        assert canceled.status is PaymentStatus.CANCELED
        assert (await closed(handle)).status is PaymentStatus.CANCELED
    assert fake.calls == ["load_payment", "void:cancel", "void done"]


async def test_a_later_run_resumes_an_unknown_capture_looking_it_up_first(
    env: WorkflowEnvironment,
) -> None:
    """A later run of an outcome_unknown payment could not be resolved: every verdict answered
    `payment_not_unresolved` and the run never closed."""
    unknown = UnknownOperation("capture", amount=600)
    fake = FakeGateway(env, stored=row(PaymentStatus.OUTCOME_UNKNOWN, unknown_operation=unknown))
    later = request(capture_method=CaptureMethod.MANUAL, resume=True, idle_close_seconds=1)
    async with worker_for(env, fake):
        handle = await start(env, fake, later)
        state = await closed(handle)
    assert (state.status, state.amount_captured) == (PaymentStatus.CAPTURED, 600)
    assert fake.calls == ["load_payment", "capture:look_up_first"]


async def test_a_later_run_looks_a_pending_refund_up_before_sending_it(
    env: WorkflowEnvironment,
) -> None:
    """Resumed, a pending refund was sent again at once: past the processor's idempotency
    window that pays twice."""
    pending = RefundState("re_1", 400, "USD", RefundStatus.PENDING, reason="damaged")
    stored = row(PaymentStatus.CAPTURED, amount_captured=1000, refunds=[pending])
    fake = FakeGateway(env, stored=stored)
    async with worker_for(env, fake):
        handle = await start(env, fake, request(resume=True, idle_close_seconds=1))
        state = await closed(handle)
    assert state.amount_refunded == 400
    assert fake.calls == ["load_payment", "refund:look_up_first"]


async def test_a_void_refused_while_the_hold_stays_waits_for_an_operator(
    env: WorkflowEnvironment,
) -> None:
    """A void the processor refused once failed the whole run with the payment left
    `authorized` and nothing recorded."""
    fake = FakeGateway(env, voids_unknown=2)
    payment = request(capture_method=CaptureMethod.MANUAL, idle_close_seconds=1)
    async with worker_for(env, fake):
        handle = await start(env, fake, payment)
        await until_status(handle, PaymentStatus.AUTHORIZED)
        cancel = await handle.start_update(
            PaymentWorkflow.cancel,
            CancelRequest("gone"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        await until_status(handle, PaymentStatus.OUTCOME_UNKNOWN)
        # Nothing else moves money meanwhile.
        assert await rejection(handle.execute_update(PaymentWorkflow.cancel, CancelRequest())) == (
            "payment_not_cancelable"
        )
        # Looked up again: still held. Then the operator released it by hand.
        again = await handle.execute_update(PaymentWorkflow.resolve, ResolveRequest())
        assert again.status is PaymentStatus.OUTCOME_UNKNOWN
        done = await handle.execute_update(
            PaymentWorkflow.resolve, ResolveRequest(verdict=Outcome.APPLIED)
        )
        assert done.status is PaymentStatus.CANCELED
        assert (await cancel.result()).status is PaymentStatus.CANCELED
        assert (await closed(handle)).status is PaymentStatus.CANCELED
    assert fake.calls[1:] == [
        "void:cancel", "void done", "void:cancel", "void done", "void:cancel:released", "void done",
    ]  # fmt: skip


async def test_a_later_run_resumes_an_unknown_void(env: WorkflowEnvironment) -> None:
    unknown = UnknownOperation("void", failure=Failure("capture_failed", "refused"))
    fake = FakeGateway(env, stored=row(PaymentStatus.OUTCOME_UNKNOWN, unknown_operation=unknown))
    later = request(capture_method=CaptureMethod.MANUAL, resume=True, idle_close_seconds=1)
    async with worker_for(env, fake):
        handle = await start(env, fake, later)
        state = await until_status(handle, PaymentStatus.FAILED)
    assert state.failure is not None and state.failure.code == "capture_failed"
    assert fake.calls[:3] == ["load_payment", "void:capture_failed", "void done"]


def test_a_later_run_asks_the_processor_what_the_first_asked() -> None:
    """A pending payment's later run authorizes again under the same key: it sent no return
    route (a challenge card was declined `authentication_required`, and Stripe refuses a key
    reused with other parameters) and no request for 3-D Secure."""
    payment = Payment(
        id="pay_1", account_id="acct_a", order_id="ord_1", amount=2500, currency="EUR",
        capture_method="automatic", card_token="tok_1", card_brand="visa", card_last4="3055",
        metadata_={}, route=[], return_url="https://shop.test/done", payment_method="card",
        customer_return_url="https://api.test/v1/payments/pay_1/return",
        request_three_d_secure=True,
    )  # fmt: skip

    later = later_run_request(payment, PaymentSettings())

    assert later.customer_return_url == "https://api.test/v1/payments/pay_1/return"
    assert later.request_three_d_secure and later.resume
