"""Faults the chaos suites inject into running processes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from devtools.stack.stack import Stack
from payment_saga.config import Settings


async def sigkill_repeatedly(
    stack: Stack, name: str, times: int, busy: Callable[[], Awaitable[bool]] | None = None
) -> tuple[int, int]:
    """SIGKILL the process every 3 s and start it again at once; returns the faults injected
    and how many of them landed while `busy` said work was in flight. With `busy`, each kill
    waits (up to 3 s more) for a moment when work is in flight."""
    landed_busy = 0
    for _ in range(times):
        await asyncio.sleep(3)
        if busy is not None and await _busy_within(busy, seconds=3.0):
            landed_busy += 1
        stack.processes[name].kill()
        stack.processes[name].start()
    return times, landed_busy


async def _busy_within(busy: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    for _ in range(int(seconds / 0.1)):
        if await busy():
            return True
        await asyncio.sleep(0.1)
    return False


async def steps_in_flight(settings: Settings) -> bool:
    """Whether the worker is running an activity or a local activity right now (the SDK's
    slot gauges): a kill then interrupts a step, not an idle process."""
    url = f"http://{settings.worker.metrics_host}:{settings.worker.sdk_metrics_port}/metrics"
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            text = (await client.get(url)).text
    except httpx.HTTPError:
        return False  # the worker is still starting after the previous kill
    return any(
        line.startswith("temporal_worker_task_slots_used")
        and "ActivityWorker" in line
        and float(line.rsplit(" ", 1)[1]) > 0
        for line in text.splitlines()
    )
