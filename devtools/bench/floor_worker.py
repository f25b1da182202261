"""The floor's worker process: same slots, pollers, workflow runner and event loop as the real
worker."""

from __future__ import annotations

from temporalio.worker import Worker

from devtools.bench.floor import FLOOR_TASK_QUEUE, FloorWorkflow, noop
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.shutdown import stop_on_signals
from worker import (
    MAX_CONCURRENT_ACTIVITIES,
    MAX_CONCURRENT_WORKFLOW_TASKS,
    pollers,
    production_runner,
    run,
)


async def main_async() -> None:
    settings = Settings()
    stop = stop_on_signals()
    client = await connect_temporal(settings)
    async with Worker(
        client,
        task_queue=FLOOR_TASK_QUEUE,
        workflows=[FloorWorkflow],
        activities=[noop],
        workflow_runner=production_runner(),
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
        max_concurrent_workflow_tasks=MAX_CONCURRENT_WORKFLOW_TASKS,
        workflow_task_poller_behavior=pollers(settings.worker),
        activity_task_poller_behavior=pollers(settings.worker),
    ):
        await stop.wait()


if __name__ == "__main__":
    run(main_async())
