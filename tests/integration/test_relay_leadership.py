"""The relay's leader lock: released whenever a leader stops leading, taken over within seconds."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from payment_saga.config import Settings
from payment_saga.db.session import SessionFactory, create_engine
from payment_saga.events.relay import LEADER_LOCK_ID, OutboxRelay, RelayMetrics
from tests.integration.conftest import Payments
from tests.integration.events import EventLog

TAKE_OVER_SECONDS = 15


class IdleRelay(OutboxRelay):
    """Leads like any relay but publishes nothing: the outbox is the real stack's."""

    async def publish_batch(self, producer: AIOKafkaProducer) -> int:
        return 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def lock_holders(sessions: SessionFactory, lock_id: int) -> list[int]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :lock_id"
            ),
            {"lock_id": lock_id},
        )
        return [int(pid) for pid in rows.scalars()]


def sample(registry: CollectorRegistry, name: str) -> float:
    return registry.get_sample_value(name) or 0.0


async def until(condition: Callable[[], bool], seconds: float = TAKE_OVER_SECONDS) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


async def test_a_relay_that_fails_leaves_the_lock_to_another(
    settings: Settings, sessions: SessionFactory
) -> None:
    """Once, a relay whose Kafka failed put its lock connection back in the pool still holding
    the lock: it could not publish, and no other relay could lead."""
    lock_id = random.randint(10**9, 2 * 10**9)
    broken_kafka = settings.kafka.model_copy(
        update={"bootstrap_servers": f"127.0.0.1:{closed_port()}"}
    )
    engine = create_engine(settings.database)
    failing_metrics, healthy_metrics = CollectorRegistry(), CollectorRegistry()
    failing = OutboxRelay(engine, broken_kafka, RelayMetrics(failing_metrics), lock_id)
    healthy = IdleRelay(engine, settings.kafka, RelayMetrics(healthy_metrics), lock_id)
    stop = asyncio.Event()
    failing_run = asyncio.create_task(failing.run(stop))
    healthy_run: asyncio.Task[None] | None = None
    try:
        await until(lambda: sample(failing_metrics, "outbox_publish_failures_total") >= 2)
        healthy_run = asyncio.create_task(healthy.run(stop))
        await until(lambda: sample(healthy_metrics, "outbox_relay_leader") == 1)
        assert len(await lock_holders(sessions, lock_id)) == 1
    finally:
        stop.set()
        await asyncio.gather(failing_run, *([healthy_run] if healthy_run else []))
    assert await lock_holders(sessions, lock_id) == []  # stopping released it too
    await engine.dispose()


async def test_leader_connection_broken_another_takes_over_every_event_delivered(
    settings: Settings, sessions: SessionFactory, payments: Payments
) -> None:
    [leader] = await lock_holders(sessions, LEADER_LOCK_ID)  # the worker's relay
    async with sessions.begin() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": leader})

    log = EventLog(settings.kafka)
    await log.start()
    try:
        handle = await payments.start("4242424242424242", refund_window_seconds=1)
        await handle.result()
        events = await log.wait_for(handle.id, 2, within_seconds=TAKE_OVER_SECONDS)
    finally:
        await log.stop()
    assert [e["type"] for e in events][:2] == ["payment.authorized", "payment.succeeded"]
    holders = await lock_holders(sessions, LEADER_LOCK_ID)
    assert len(holders) == 1 and holders != [leader]
