"""Every event type through the real broker in both encodings: published as the relay
publishes (send_rows), read back by the audit's consumer and by `payment-saga events tail`, the
same events as the outbox's JSON envelopes."""

from __future__ import annotations

import asyncio
import json
import subprocess
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from payment_saga.config import Settings
from payment_saga.connections import kafka_options
from payment_saga.domain import events
from payment_saga.events.encoding import content_type_of, decode
from payment_saga.events.relay import send_rows
from payment_saga.events.topic import whole_topic_consumer
from tests.integration.conftest import run_cli
from tests.unit.test_event_encoding import FULL, envelope


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
async def test_every_event_type_is_published_and_read_back(topic: Settings, encoding: str) -> None:
    topic.kafka.topic_encoding = encoding  # type: ignore[assignment]
    sent = [envelope(event_type, **FULL) for event_type in events.EVENT_TYPES]
    rows: list[Any] = [SimpleNamespace(payment_id=e["subject"], payload=e) for e in sent]
    producer = AIOKafkaProducer(**kafka_options(topic.kafka), enable_idempotence=True)
    await producer.start()
    try:
        await send_rows(producer, topic.kafka, rows)
    finally:
        await producer.stop()

    consumer, _ = await whole_topic_consumer(topic.kafka, from_beginning=True)
    received: list[dict[str, Any]] = []
    types: set[bytes | None] = set()
    try:
        async with asyncio.timeout(30):
            while len(received) < len(sent):
                batch = await consumer.getmany(timeout_ms=1000)
                for message in (m for ms in batch.values() for m in ms):
                    types.add(content_type_of(message.headers))
                    received.append(decode(message.value, content_type_of(message.headers)))
    finally:
        await consumer.stop()
    assert received == sent  # one payment: one partition, in order
    assert types == {f"application/cloudevents+{encoding}".encode()}

    tailed = await asyncio.to_thread(tail, topic, len(sent))
    assert tailed.returncode == 0, tailed.stderr
    assert [json.loads(line)["type"] for line in tailed.stdout.splitlines()] == list(
        events.EVENT_TYPES
    )


def tail(settings: Settings, count: int) -> subprocess.CompletedProcess[str]:
    return run_cli(settings, "events", "tail", "--from-beginning", "--json", "--max", str(count),
                   "--idle-seconds", "15")  # fmt: skip
