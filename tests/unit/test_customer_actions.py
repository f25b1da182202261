"""A payment that waits for the customer (3-D Secure, an approval page), under the
time-skipping server: the processor is asked on a backoff and at once on a return; a decline
or the limit fails the payment and voids; a cancel during the wait voids."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from payment_saga.domain.messages import CancelRequest, CustomerReturn, OutcomeRequest
from payment_saga.domain.states import CaptureMethod, PaymentStatus
from tests.unit.workflow_fakes import FakeGateway, request, run, start, start_env, worker_for
from workflows.payment import PaymentWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


async def test_the_run_looks_on_a_backoff_until_the_customer_finished(
    env: WorkflowEnvironment,
) -> None:
    fake = FakeGateway(env, action=True, action_answers=["pending"] * 4 + ["authorized"])
    result = await run(env, fake, request())

    assert result.status is PaymentStatus.CAPTURED
    assert fake.calls == ["authorize", *["look:pending"] * 4, "look:authorized", "capture"]
    gaps = [round(later - earlier) for earlier, later in itertools.pairwise(fake.look_times)]
    assert gaps == [10, 20, 40, 60]  # 5 s to the first look, then doubling up to a minute


async def test_the_create_answers_with_the_page_and_a_return_looks_at_once(
    env: WorkflowEnvironment,
) -> None:
    fake = FakeGateway(env, action=True, action_answers=["authorized"])
    payment = request(capture_method=CaptureMethod.MANUAL)
    async with worker_for(env, fake):
        handle = await start(env, fake, payment)
        waited = await handle.execute_update(PaymentWorkflow.wait_for_outcome, OutcomeRequest())
        assert waited.status is PaymentStatus.REQUIRES_ACTION
        assert waited.action_url == "https://sim/challenges/auth_1"

        back = await handle.execute_update(PaymentWorkflow.customer_returned, CustomerReturn())

        assert back.status is PaymentStatus.AUTHORIZED and back.action_url is None
        assert fake.calls == ["authorize", "look:authorized"]
        assert fake.look_times[0] - fake.authorize_times[0] < 5  # before the first timed look


async def test_a_failed_action_fails_the_payment_and_voids(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, action=True, action_answers=["pending", "declined"])
    with pytest.raises(WorkflowFailureError) as caught:
        await run(env, fake, request())

    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "authentication_failed"
    assert fake.calls[-3:] == ["look:declined", "void:authentication_failed", "void done"]


async def test_the_limit_fails_the_payment_after_a_last_look(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, action=True)
    started = await env.get_current_time()
    with pytest.raises(WorkflowFailureError) as caught:
        await run(env, fake, request(action_timeout_seconds=300))

    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "action_expired"
    assert fake.calls[-3:] == ["look:pending", "void:action_expired", "void done"]
    assert 300 <= fake.look_times[-1] - started.timestamp() < 310


async def test_a_cancel_during_the_wait_voids(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, action=True)
    async with worker_for(env, fake):
        handle = await start(env, fake, request())
        await handle.execute_update(PaymentWorkflow.wait_for_outcome, OutcomeRequest())

        canceled = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest("changed"))

        assert canceled.status is PaymentStatus.CANCELED
        assert (await handle.result()).status is PaymentStatus.CANCELED
        assert "void:cancel" in fake.calls and "capture" not in fake.calls


async def test_a_return_to_a_failed_action_answers_once_it_is_voided(
    env: WorkflowEnvironment,
) -> None:
    """The return route sends the customer on with what the look found: a failed challenge is
    `failed` by then, not still `requires_action` (found against the Stripe test server)."""
    fake = FakeGateway(env, action=True, action_answers=["declined"])
    async with worker_for(env, fake):
        handle = await start(env, fake, request())
        await handle.execute_update(PaymentWorkflow.wait_for_outcome, OutcomeRequest())

        back = await handle.execute_update(PaymentWorkflow.customer_returned, CustomerReturn())

        assert back.status is PaymentStatus.FAILED
        assert back.failure is not None and back.failure.code == "authentication_failed"
