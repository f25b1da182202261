"""A local step's attempt that begins after its deadline ends at once (activities/deadlines.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput

from activities.deadlines import DEADLINE_EXCEEDED, LocalDeadlines


class Answering(ActivityInboundInterceptor):
    def __init__(self) -> None:
        self.ran = False

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        self.ran = True
        return "answered"


async def attempt(*, is_local: bool, scheduled_ago: timedelta, deadline: timedelta | None) -> Any:
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(
        environment.info,
        is_local=is_local,
        attempt=2,
        scheduled_time=datetime.now(UTC) - scheduled_ago,
        schedule_to_close_timeout=deadline,
    )
    body = Answering()
    interceptor = LocalDeadlines().intercept_activity(body)
    unused = ExecuteActivityInput(fn=print, args=[], executor=None, headers={})
    try:
        return await environment.run(interceptor.execute_activity, unused)
    finally:
        assert body.ran is (deadline is None or not is_local or scheduled_ago < deadline)


async def test_a_local_retry_after_the_deadline_fails_without_running() -> None:
    with pytest.raises(ApplicationError) as caught:
        await attempt(
            is_local=True, scheduled_ago=timedelta(seconds=2), deadline=timedelta(seconds=1)
        )
    assert caught.value.type == DEADLINE_EXCEEDED and caught.value.non_retryable
    assert not caught.value.details  # no decline: the gateway may have acted


async def test_a_local_attempt_within_the_deadline_runs() -> None:
    answer = await attempt(
        is_local=True, scheduled_ago=timedelta(seconds=2), deadline=timedelta(seconds=10)
    )
    assert answer == "answered"


@pytest.mark.parametrize("is_local", [True, False])
async def test_a_step_without_a_deadline_or_a_normal_activity_is_left_alone(
    is_local: bool,
) -> None:
    deadline = None if is_local else timedelta(seconds=1)
    answer = await attempt(is_local=is_local, scheduled_ago=timedelta(hours=1), deadline=deadline)
    assert answer == "answered"
