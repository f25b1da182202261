"""Eager workflow start, measured on the floor (#31's last lever).

Eager start hands a new run's first workflow task to the process that started it, saving the
trip through the task queue. It needs a worker in the starting process, and it cannot be
combined with update-with-start (how the API starts and waits for a payment). Before building
the co-located mode the issue sketches (API and worker in one process), measure what eager
start gives at all: the floor workflow (the saga's shape, activities doing nothing) started and
awaited one at a time by this process, with a worker of its own on a task queue of its own,
once plainly and once with eager start requested, interleaved so both meet the same machine.
The saga could gain at most the difference (it has the same first task).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from devtools.bench.floor import FloorInput, FloorWorkflow, noop
from devtools.bench.measure import Run
from worker import production_runner

EAGER_TASK_QUEUE = "bench-floor-in-process"
WARMUP = 10


async def eager_start_gain(client: Client, count: int) -> dict[str, Any]:
    """One at a time: the floor started plainly, and with eager start, by a process whose own
    worker polls the task queue; the figures of each and the p50 difference."""
    plain: list[float] = []
    eager: list[float] = []
    accepted = 0
    async with Worker(
        client,
        task_queue=EAGER_TASK_QUEUE,
        workflows=[FloorWorkflow],
        activities=[noop],
        workflow_runner=production_runner(),
    ):
        for index in range(WARMUP + 2 * count):
            asked = index % 2 == 1
            took, eagerly = await _started_and_awaited(client, asked)
            if index >= WARMUP:
                (eager if asked else plain).append(took)
                accepted += eagerly
    plain_run = Run("floor-in-process-plain-start", len(plain), sum(plain), plain)
    eager_run = Run("floor-in-process-eager-start", len(eager), sum(eager), eager)
    gain = (plain_run.percentile(50) - eager_run.percentile(50)) * 1000
    return {
        "plain": plain_run.figures(),
        "eager": eager_run.figures(),
        "p50_gain_ms": round(gain, 1),
        "eager_accepted": accepted,
    }


async def _started_and_awaited(client: Client, eager: bool) -> tuple[float, bool]:
    """How long the start and the result took, and whether the server handed the first task
    to this process (it may decline an eager start)."""
    workflow_id = f"floor-eager-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    handle = await client.start_workflow(
        FloorWorkflow.run,
        FloorInput(workflow_id),
        id=workflow_id,
        task_queue=EAGER_TASK_QUEUE,
        request_eager_start=eager,
    )
    await handle.result()
    # The SDK notes the server's answer on the handle (StartWorkflowExecutionResponse's
    # eager_workflow_task), under this name.
    eagerly = bool(getattr(handle, "__temporal_eagerly_started", False))
    return time.perf_counter() - started, eagerly
