"""A capture or refund that ends without a decline is looked up before anything is undone;
what stays unknown waits for an operator (docs/saga.md, "Unclear outcomes")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from temporalio.client import (
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from payment_saga.domain.messages import CaptureRequest, PaymentState, RefundRequest, ResolveRequest
from payment_saga.domain.states import CaptureMethod, Outcome, PaymentStatus, RefundStatus
from tests.unit.workflow_fakes import (
    FakeGateway,
    internal_error,
    request,
    run,
    start,
    start_env,
    worker_for,
)
from workflows.payment import PaymentWorkflow

DECLINE = ApplicationError(
    "the issuer refused the capture",
    {"code": "capture_refused", "message": "the issuer refused the capture"},
    type="capture_refused",
    non_retryable=True,
)


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


async def test_capture_that_landed_is_recorded_not_voided(env: WorkflowEnvironment) -> None:
    """Once, a capture whose answer never came was compensated with a void."""
    fake = FakeGateway(env, capture_error=internal_error(), resolutions=[Outcome.APPLIED])
    result = await run(env, fake, request(refund_window_seconds=60))

    assert result.status == PaymentStatus.CAPTURED
    assert result.amount_captured == 1000
    assert fake.calls == ["authorize", "capture", "resolve:look_up"]


async def test_capture_that_never_landed_is_voided(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, capture_error=internal_error(), resolutions=[Outcome.NOT_APPLIED])
    with pytest.raises(WorkflowFailureError):
        await run(env, fake, request())
    assert fake.calls == [
        "authorize",
        "capture",
        "resolve:look_up",
        "void:capture_failed",
        "void done",
    ]


async def test_a_decline_is_not_looked_up(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, capture_error=DECLINE)
    with pytest.raises(WorkflowFailureError):
        await run(env, fake, request())
    assert fake.calls == ["authorize", "capture", "void:capture_failed", "void done"], fake.calls


async def rejection(update: Awaitable[Any]) -> str | None:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await update
    cause = caught.value.cause
    return cause.type if isinstance(cause, ApplicationError) else None


async def until_status(
    handle: WorkflowHandle[PaymentWorkflow, Any], status: PaymentStatus
) -> PaymentState:
    for _ in range(200):
        state = await handle.query(PaymentWorkflow.state)
        if state.status is status:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {status}: {state.status}")


async def test_unknown_refund_waits_for_an_operator(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, refund_error=internal_error(), resolutions=[None, None])
    payment = request(refund_window_seconds=3600)
    async with worker_for(env, fake):
        handle = await start(env, fake, payment)
        await until_status(handle, PaymentStatus.CAPTURED)
        refund = await handle.start_update(
            PaymentWorkflow.refund,
            RefundRequest(refund_id="re_1", amount=400),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        await until_status(handle, PaymentStatus.OUTCOME_UNKNOWN)
        # Nothing else moves money meanwhile: a second refund is refused at once.
        second = handle.execute_update(PaymentWorkflow.refund, RefundRequest("re_2", 100))
        assert await rejection(second) == "payment_not_refundable"

        # The operator asks again: the lookup still fails, the payment stays unknown.
        again = await handle.execute_update(PaymentWorkflow.resolve, ResolveRequest())
        assert again.status is PaymentStatus.OUTCOME_UNKNOWN
        # Then learns from the processor that the refund was made.
        done = await handle.execute_update(
            PaymentWorkflow.resolve, ResolveRequest(verdict=Outcome.APPLIED)
        )
        assert (done.status, done.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 400)
        assert (await refund.result()).status is RefundStatus.SUCCEEDED
        await handle.cancel()

    assert fake.calls[-5:] == [
        "resolve:look_up",
        "mark_unknown:refund",
        "resolve:look_up",
        "mark_unknown:refund",
        "resolve:applied",
    ]


async def test_resolve_is_refused_when_nothing_is_unknown(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env)
    payment = request(refund_window_seconds=3600)
    async with worker_for(env, fake):
        handle = await start(env, fake, payment)
        await until_status(handle, PaymentStatus.CAPTURED)
        resolve = handle.execute_update(PaymentWorkflow.resolve, ResolveRequest())
        assert await rejection(resolve) == "payment_not_unresolved"
        await handle.cancel()


async def test_a_cancel_during_compensation_lets_it_finish(env: WorkflowEnvironment) -> None:
    """Compensations are shielded on every path: an operator's cancel arriving while a refused
    capture's void runs once left the void behind (it was already off the list), and the run
    closed before the authorization was released."""
    fake = FakeGateway(env, capture_error=DECLINE, void_seconds=2.0)
    # The server does not skip the idle time of a cancelled run: close it in a second.
    payment = request(capture_method=CaptureMethod.MANUAL, idle_close_seconds=1)
    async with worker_for(env, fake):
        handle = await start(env, fake, payment)
        await until_status(handle, PaymentStatus.AUTHORIZED)
        await handle.start_update(
            PaymentWorkflow.capture, CaptureRequest(), wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        for _ in range(100):
            if "void:capture_failed" in fake.calls:
                break
            await asyncio.sleep(0.05)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        calls_when_closed = list(fake.calls)
    # The cancel then finds a failed payment: refused, and recorded as such.
    assert calls_when_closed == [
        "authorize", "capture", "void:capture_failed", "void done", "refuse_cancel",
    ]  # fmt: skip
