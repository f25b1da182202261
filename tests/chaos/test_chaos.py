"""Faults we can cause, each over a burst of mixed payments; then the audit must find nothing.

Bounded: a fixed number of payments and faults per scenario, loopback only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from devtools.bench.load import FIGURES, audited, send_burst
from devtools.stack import kafka as kafka_stack
from devtools.stack import postgres as postgres_stack
from devtools.stack import temporal as temporal_stack
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.db.session import SessionFactory
from tests.chaos.faults import sigkill_repeatedly, steps_in_flight

pytestmark = pytest.mark.chaos
BURST = 300
Fault = Callable[[], Awaitable[int]]


async def burst_with(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, fault: Fault
) -> None:
    sending = asyncio.create_task(send_burst(api, BURST))
    faults = await fault()
    burst = await sending
    report = await audited(sessions, settings, burst, faults)
    assert report.violations == []
    assert len(burst.payment_ids) == BURST


async def restart(
    stack: Stack, name: str, down_seconds: float, ready: Callable[[], Awaitable[None]]
) -> None:
    process = stack.processes[name]
    process.stop()
    await asyncio.sleep(down_seconds)
    process.start()
    await stack.wait_healthy(name, ready)


@pytest.fixture
async def gateway_faults(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=settings.gateway.base_url()) as gateway:
        yield gateway
        (await gateway.put("/v1/admin/faults", json={})).raise_for_status()


async def test_gateway_errors_lost_responses_and_latency(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings,
    gateway_faults: httpx.AsyncClient,
) -> None:  # fmt: skip
    faults = {"latency_ms": 40, "failure_rate": 0.2, "lost_response_rate": 0.05}
    (await gateway_faults.put("/v1/admin/faults", json=faults)).raise_for_status()

    async def keep_faulty() -> int:
        return 1

    await burst_with(api, sessions, settings, keep_faulty)


async def test_worker_sigkilled_every_few_seconds(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack
) -> None:
    mid_step = 0

    async def kills() -> int:
        nonlocal mid_step
        faults, mid_step = await sigkill_repeatedly(
            stack, "worker", 4, lambda: steps_in_flight(settings)
        )
        return faults

    await burst_with(api, sessions, settings, kills)
    FIGURES.append(f"worker SIGKILLs: 4, landing while a step was in flight: {mid_step}")
    assert mid_step >= 1  # the kills interrupted real work, not an idle worker


async def test_postgres_restarted_mid_burst(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack
) -> None:
    async def restart_postgres() -> int:
        await asyncio.sleep(4)
        await restart(
            stack, "postgres", 3, lambda: asyncio.to_thread(postgres_stack.postgres_ready, settings)
        )
        return 1

    await burst_with(api, sessions, settings, restart_postgres)


async def test_temporal_restarted_mid_burst(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack
) -> None:
    async def restart_temporal() -> int:
        await asyncio.sleep(4)
        await restart(stack, "temporal", 2, lambda: temporal_stack.temporal_ready(settings))
        return 1

    await burst_with(api, sessions, settings, restart_temporal)


async def test_api_restarted_while_clients_retry(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack
) -> None:
    async def restart_api() -> int:
        faults, _ = await sigkill_repeatedly(stack, "api", 2)
        return faults

    await burst_with(api, sessions, settings, restart_api)


async def test_kafka_stopped_for_a_minute(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack
) -> None:
    async def stop_kafka() -> int:
        await asyncio.sleep(3)
        await restart(stack, "kafka", 60, lambda: kafka_stack.kafka_ready(settings))
        return 1

    await burst_with(api, sessions, settings, stop_kafka)
