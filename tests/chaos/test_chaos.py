"""Faults we can cause, each over a burst of mixed payments; then the audit must find nothing.

Bounded: a fixed number of payments and faults per scenario, loopback only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.client import Client, ScheduleOverlapPolicy

from devtools.bench.load import FIGURES, audited, send_burst, settle
from devtools.stack import kafka as kafka_stack
from devtools.stack import postgres as postgres_stack
from devtools.stack import temporal as temporal_stack
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.models import Payment
from payment_saga.db.reconciliation import Discrepancy, SettledOperation
from payment_saga.db.session import SessionFactory
from payment_saga.steering.schedules import schedule_id
from tests.chaos.faults import sigkill_repeatedly, steps_in_flight

pytestmark = pytest.mark.chaos
BURST = 300
# Batches closed and reconciled along the settlement scenario's burst, then one more after it.
RECONCILIATIONS = 3
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


async def test_settlement_reconciled_while_the_worker_is_sigkilled(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, stack: Stack,
    gateway_http: httpx.AsyncClient,
) -> None:  # fmt: skip
    """#32: the reconciliation schedule's runs, triggered as batches close along a burst (so
    several overlap), with the worker SIGKILLed: each settled item is recorded once and agrees
    with our books (the audit's settlement check, over every payment), and no discrepancy
    opens, since the simulator settles every burst card as it was captured and refunded."""
    temporal = await connect_temporal(settings)
    schedule = temporal.get_schedule_handle(schedule_id("simulator"))

    async def close_and_reconcile() -> None:
        (await gateway_http.post("/v1/admin/settlements/close")).raise_for_status()
        await schedule.trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)

    async def reconcile_under_kills() -> int:
        for _ in range(RECONCILIATIONS):
            await asyncio.sleep(2)
            await close_and_reconcile()
        faults, _ = await sigkill_repeatedly(stack, "worker", 3)
        return faults

    sending = asyncio.create_task(send_burst(api, BURST))
    faults = await reconcile_under_kills()
    burst = await sending
    await settle(sessions, burst.payment_ids)
    await close_and_reconcile()  # the last batch: everything the burst did
    await every_reconciliation_closed(temporal, RECONCILIATIONS + 1)

    report = await audited(sessions, settings, burst, faults)
    assert report.violations == []
    async with sessions() as session:
        found = list(await session.scalars(select(Discrepancy)))
        mine = SettledOperation.payment_id.in_(burst.payment_ids)
        settled = await session.scalar(select(func.count()).where(mine))
        captured = await session.scalar(
            select(func.count()).where(
                Payment.id.in_(burst.payment_ids), Payment.amount_captured > 0
            )
        )
    assert [d.id for d in found] == []
    FIGURES.append(f"settled items of the burst recorded and matched: {settled}")
    assert captured and settled and settled > captured  # every capture, and the refunds


async def every_reconciliation_closed(
    temporal: Client, started: int, within_seconds: float = 180
) -> None:
    """Until `started` runs have completed and none runs (the cluster lists a run a moment
    after it starts)."""
    kind = "WorkflowType = 'ReconciliationWorkflow'"
    async with asyncio.timeout(within_seconds):
        while True:
            running = [
                r async for r in temporal.list_workflows(f"{kind} AND ExecutionStatus = 'Running'")
            ]
            done = [
                r
                async for r in temporal.list_workflows(f"{kind} AND ExecutionStatus = 'Completed'")
            ]
            if not running and len(done) >= started:
                break
            await asyncio.sleep(1)
    FIGURES.append(f"reconciliation runs completed under worker SIGKILLs: {len(done)}")
