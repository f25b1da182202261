"""A local activity's attempt that begins after its schedule-to-close deadline ends at once.

The SDK's core keeps a local activity's deadline with two timers, and when the step's
start-to-close is clamped to a shorter schedule-to-close both fire together. When the
start-to-close one wins, the attempt is retried as if only it had timed out, and the
schedule-to-close one, arriving while the retry waits, finds no attempt to end and is dropped:
the step then retries past its deadline until an attempt succeeds (the authorize deadline of
tests/integration/test_processor_holds.py was met that way in three runs of five). Every
attempt carries its schedule time and its deadline, so the worker checks it here; the step
fails with `deadline_exceeded`, which says nothing about what the gateway did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

DEADLINE_EXCEEDED = "deadline_exceeded"


def past_deadline(info: activity.Info, now: datetime) -> bool:
    """Whether a local activity's attempt begins after the deadline its step was given."""
    if not info.is_local or info.schedule_to_close_timeout is None:
        return False
    return now >= info.scheduled_time + info.schedule_to_close_timeout


class LocalDeadlines(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LocalDeadlines(next)


class _LocalDeadlines(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        if past_deadline(info, datetime.now(UTC)):
            raise ApplicationError(
                f"{info.activity_type}: attempt {info.attempt} begins after the step's deadline",
                type=DEADLINE_EXCEEDED,
                non_retryable=True,
            )
        return await self.next.execute_activity(input)
