"""Workflow timing under Temporal's time-skipping test server: expiry and retry backoff."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from payment_saga.domain.states import CaptureMethod
from tests.unit.workflow_fakes import FakeGateway, request, run, start_env


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


async def test_uncaptured_authorization_expires_after_seven_days(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env)
    started = await env.get_current_time()
    result = await run(env, fake, request(capture_method=CaptureMethod.MANUAL))

    assert result.status == "canceled"
    assert fake.calls == ["authorize", "void:cancel", "void done"]
    assert await env.get_current_time() - started >= timedelta(days=7)


async def test_transient_errors_back_off_exponentially(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, authorize_failures=3)
    result = await run(env, fake, request(refund_window_seconds=60))

    assert result.status == "captured"
    times = fake.authorize_times
    gaps = [round(later - earlier) for earlier, later in itertools.pairwise(times)]
    assert gaps == [1, 2, 4]


async def test_gateway_down_past_the_deadline_fails_and_compensates(
    env: WorkflowEnvironment,
) -> None:
    fake = FakeGateway(env, authorize_failures=10_000)
    with pytest.raises(WorkflowFailureError) as caught:
        # Local activities retry in real time in the worker: a deadline of seconds, not minutes.
        await run(env, fake, request(authorize_deadline_seconds=20))

    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "processing_error"
    assert fake.calls[-2:] == ["void:processing_error", "void done"]
    # In-worker retries at 0, 1, 3, 7 and 15 s, then timer-paced ones (which this server
    # skips through) until the deadline, which the worker measures on the wall clock.
    assert fake.calls.count("authorize") >= 5
