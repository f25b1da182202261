"""Events survive a Kafka outage and a relay crash: nothing missing, nothing out of order."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from devtools.stack import kafka as kafka_stack
from devtools.stack.stack import Stack, http_ok
from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent
from payment_saga.db.session import SessionFactory, create_engine
from payment_saga.events.relay import OutboxRelay, RelayMetrics
from payment_saga.events.rows import event_id
from tests.integration.conftest import Payments
from tests.integration.events import EventLog
from tests.integration.test_events import check_delivery, first_occurrences
from tests.integration.test_replay import finished
from tests.integration.test_saga_cards import APPROVED

OUTAGE_SECONDS = 30
PAYMENTS_PER_HALF = 100
CARDS = [*APPROVED, "4000000000000002"]


async def backlog(settings: Settings) -> float:
    url = f"http://{settings.worker.metrics_host}:{settings.worker.metrics_port}/metrics"
    async with httpx.AsyncClient() as http:
        for line in (await http.get(url)).text.splitlines():
            if line.startswith("outbox_backlog_events "):
                return float(line.split()[-1])
    return 0.0


async def test_payments_complete_through_a_kafka_outage(
    stack: Stack, payments: Payments, sessions: SessionFactory, settings: Settings
) -> None:
    broker = stack.processes["kafka"]
    start = [
        payments.start(CARDS[i % len(CARDS)], amount=100 + i, refund_window_seconds=1)
        for i in range(2 * PAYMENTS_PER_HALF)
    ]
    handles = [await s for s in start[:PAYMENTS_PER_HALF]]
    broker.stop()
    outage_began = time.monotonic()
    try:
        handles += [await s for s in start[PAYMENTS_PER_HALF:]]
        await asyncio.gather(*(finished(h) for h in handles))  # all end while Kafka is down
        await asyncio.sleep(3)  # the backlog gauge refreshes every 2 s
        assert await backlog(settings) > 0
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_began)))
    finally:
        broker.start()
        await stack.wait_healthy("kafka", lambda: kafka_stack.kafka_ready(settings))

    log = EventLog(settings.kafka)
    await log.start()
    try:
        for handle in handles:
            await check_delivery(log, sessions, handle.id)
    finally:
        await log.stop()
    print(f"payments={len(handles)} outage_seconds={OUTAGE_SECONDS} missing=0 reordered=0")


class Crash(Exception):
    """Stands for the relay process dying between Kafka's ack and marking the rows."""


class CrashingRelay(OutboxRelay):
    async def _mark_published(self, *_: object) -> None:
        raise Crash


@pytest.fixture
async def worker_stopped(stack: Stack) -> AsyncIterator[None]:
    """The worker hosts the leading relay; stop it so this test's relays own the outbox."""
    worker = stack.processes["worker"]
    worker.stop()
    yield
    worker.start()
    # Back before the next test: its metrics endpoint answers once the worker has started.
    worker_settings = stack.settings.worker
    metrics = f"http://{worker_settings.metrics_host}:{worker_settings.metrics_port}/metrics"
    await stack.wait_healthy("worker", lambda: http_ok(metrics))


@pytest.mark.usefixtures("worker_stopped")
async def test_relay_killed_mid_batch_republishes_only_the_same_ids(
    settings: Settings, sessions: SessionFactory
) -> None:
    payment_id = f"pay_relaytest_{uuid.uuid4().hex[:8]}"
    expected = [event_id(payment_id, sequence) for sequence in range(1, 6)]
    async with sessions.begin() as session:
        for sequence, eid in enumerate(expected, start=1):
            payload = {"id": eid, "subject": payment_id, "sequence": sequence, "type": "test"}
            session.add(
                OutboxEvent(
                    event_id=eid,
                    payment_id=payment_id,
                    sequence=sequence,
                    type="test",
                    payload=payload,
                )
            )
    engine = create_engine(settings.database)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka.bootstrap(), enable_idempotence=True, acks="all"
    )
    await producer.start()
    log = EventLog(settings.kafka)
    try:
        with pytest.raises(Crash):
            await CrashingRelay(
                engine, settings.kafka, RelayMetrics(CollectorRegistry())
            ).publish_batch(producer)
        relay = OutboxRelay(engine, settings.kafka, RelayMetrics(CollectorRegistry()))
        while await relay.publish_batch(producer):
            pass
        await log.start()
        events = await log.wait_for(payment_id, len(expected))
        await asyncio.sleep(1)  # let any stray extra copy arrive before counting
    finally:
        await log.stop()
        await producer.stop()
        await engine.dispose()

    events = log.by_payment[payment_id]
    assert {e["id"] for e in events} == set(expected)  # no new ids
    assert len(events) == 2 * len(expected)  # the crashed batch, then its re-publication
    assert [e["id"] for e in first_occurrences(events)] == expected
