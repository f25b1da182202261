"""The consumer kit against the real broker: a payment's events replayed twice (protobuf) and a
poison message; every event handled once, every duplicate dropped, the poison parked on the
dead-letter topic, and the group's offsets committed past all of it."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventkit.consumer import PaymentEvent, PaymentEventConsumer, SqliteProcessedEvents

from payment_saga.config import Settings
from payment_saga.connections import kafka_options
from payment_saga.db.session import create_engine
from payment_saga.events.replay import replay
from tests.integration.conftest import Payments


async def test_replays_are_dropped_and_poison_is_parked(
    topic: Settings, payments: Payments
) -> None:
    handle = await payments.start("4242424242424242")
    await handle.result()
    topic.kafka.topic_encoding = "protobuf"
    engine = create_engine(topic.database)
    try:
        published = await replay(engine, topic.kafka, payment_id=handle.id)
        assert published == await replay(engine, topic.kafka, payment_id=handle.id)
    finally:
        await engine.dispose()
    producer = AIOKafkaProducer(**kafka_options(topic.kafka))
    await producer.start()
    await producer.send_and_wait(topic.kafka.topic, value=b"{not an event", key=b"pay_x")

    group = f"kit-{uuid.uuid4().hex[:8]}"
    handled: list[PaymentEvent] = []

    async def handle_event(event: PaymentEvent) -> None:
        handled.append(event)

    consumer = group_consumer(topic, group)
    await consumer.start()
    try:
        kit = PaymentEventConsumer(
            consumer, producer, SqliteProcessedEvents(sqlite3.connect(":memory:")), handle_event,
            dead_letter_topic=f"{topic.kafka.topic}.dead-letters",
        )  # fmt: skip
        async with asyncio.timeout(60):
            tally = await kit.run(max_messages=2 * published + 1)
    finally:
        await consumer.stop()
        await producer.stop()

    assert [e.sequence for e in handled] == list(range(1, published + 1))
    assert {e.payment_id for e in handled} == {handle.id}
    assert (tally.handled, tally.duplicates, tally.parked, tally.gaps) == (
        published, published, 1, [],
    )  # fmt: skip
    assert await leftovers(topic, group) == 0
    dead = await leftovers(topic, f"dead-{group}", f"{topic.kafka.topic}.dead-letters")
    assert dead == 1


def group_consumer(settings: Settings, group: str, name: str | None = None) -> Any:
    return AIOKafkaConsumer(
        name or settings.kafka.topic, **kafka_options(settings.kafka), group_id=group,
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip


async def leftovers(settings: Settings, group: str, name: str | None = None) -> int:
    """Messages a consumer of the group still gets: none past committed offsets."""
    consumer = group_consumer(settings, group, name)
    await consumer.start()
    try:
        taken = 0
        for _ in range(10):  # until the group has assigned the partitions, then a while more
            batch = await consumer.getmany(timeout_ms=1000)
            taken += sum(len(messages) for messages in batch.values())
            if consumer.assignment() and not batch:
                break
        return taken
    finally:
        await consumer.stop()
