"""The floor: a workflow doing the saga's steps with activities that do nothing.

Its worker runs in a process of its own (`python -m bench.floor_worker`), built like the real
worker, so the two compare under the same server, worker settings and concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

FLOOR_TASK_QUEUE = "bench-floor"
# authorize + capture: the saga's gateway steps for an automatic payment, of the same kind
# (local activities, as `workflows.payment.run_step` runs them).
ROUND_TRIPS = ("authorize", "capture")


@dataclass(frozen=True)
class FloorInput:
    payment_id: str


@dataclass(frozen=True)
class FloorResult:
    steps: int


@activity.defn
async def noop(data: FloorInput) -> FloorInput:
    return data


@workflow.defn
class FloorWorkflow:
    @workflow.run
    async def run(self, data: FloorInput) -> FloorResult:
        for step in ROUND_TRIPS:
            await workflow.execute_local_activity(
                noop,
                data,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
                summary=step,
            )
        return FloorResult(steps=len(ROUND_TRIPS))
