"""The consumer kit's rules, on recorded messages: duplicates dropped, gaps reported, handler
failures retried then parked, undecodable messages parked, offsets committed after each."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
from aiokafka.structs import ConsumerRecord, TopicPartition
from eventkit.consumer import Handler, PaymentEvent, PaymentEventConsumer, SqliteProcessedEvents

from payment_saga.events.encoding import encode

DEAD = "payments.events.dead"


def message(
    event_id: str,
    sequence: int,
    event_type: str = "payment.succeeded",
    *,
    encoding: str = "json",
    raw: bytes | None = None,
) -> ConsumerRecord[Any, Any]:
    envelope = {"specversion": "1.0", "id": event_id, "source": "urn:payment-saga:payments",
                "type": event_type, "subject": "pay_1", "time": "2026-11-26T12:00:00+00:00",
                "datacontenttype": "application/json", "sequence": sequence,
                "data": {"payment": {"order_id": "ord_1"}}}  # fmt: skip
    value, content_type = (
        (raw, b"application/cloudevents+json")
        if raw
        else (orjson.dumps(envelope), b"application/cloudevents+json")
    )
    if encoding == "protobuf" and raw is None:
        value, content_type = encode(full(envelope), "protobuf")
    return ConsumerRecord("payments.events", 0, sequence, 0, 0, b"pay_1", value, None, 5,
                          len(value), [("content-type", content_type)])  # fmt: skip


def full(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with a whole payment, as the protobuf format carries one."""
    from tests.unit.test_event_encoding import envelope as built

    complete = built(envelope["type"])
    return {**complete, "id": envelope["id"], "sequence": envelope["sequence"]}


class Kafka:
    """Hands out the messages once, counts commits, keeps what is sent (the dead letters)."""

    def __init__(self, messages: list[ConsumerRecord[Any, Any]]) -> None:
        self.messages, self.commits = list(messages), 0
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        batch, self.messages = self.messages, []
        return {TopicPartition("payments.events", 0): batch} if batch else {}

    async def commit(self) -> None:
        self.commits += 1

    async def send_and_wait(self, topic: str, **message: Any) -> None:
        self.sent.append((topic, message))

    def kit(self, store: SqliteProcessedEvents, handler: Handler) -> PaymentEventConsumer:
        return PaymentEventConsumer(self, self, store, handler, dead_letter_topic=DEAD)


def recorder() -> tuple[list[PaymentEvent], Handler]:
    handled: list[PaymentEvent] = []

    async def handle(event: PaymentEvent) -> None:
        handled.append(event)

    return handled, handle


async def test_duplicates_are_dropped_and_offsets_committed_after_each() -> None:
    handled, handle = recorder()
    kafka = Kafka([message("e1", 1), message("e1", 1), message("e2", 2, encoding="protobuf")])
    tally = await kafka.kit(SqliteProcessedEvents(sqlite3.connect(":memory:")), handle).run(
        max_messages=3
    )
    assert [e.id for e in handled] == ["e1", "e2"]
    assert (tally.handled, tally.duplicates, kafka.commits) == (2, 1, 3)


async def test_a_gap_in_a_payments_sequence_is_reported() -> None:
    _, handle = recorder()
    kafka = Kafka([message("e1", 1), message("e4", 4)])
    tally = await kafka.kit(SqliteProcessedEvents(sqlite3.connect(":memory:")), handle).run(
        max_messages=2
    )
    assert tally.gaps == [("pay_1", 2, 4)]


async def test_a_failing_handler_is_retried_then_parked_and_changes_nothing() -> None:
    calls = 0
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE orders (id TEXT)")

    async def broken(event: PaymentEvent) -> None:
        nonlocal calls
        calls += 1
        db.execute("INSERT INTO orders VALUES ('half-done')")
        raise RuntimeError("the order service's database is read-only")

    kafka = Kafka([message("e1", 1)])
    tally = await kafka.kit(SqliteProcessedEvents(db), broken).run(max_messages=1)
    assert (calls, tally.parked, tally.handled, kafka.commits) == (3, 1, 0, 1)
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)  # rolled back each time
    topic, parked = kafka.sent[0]
    headers = dict(parked["headers"])
    assert topic == DEAD and b"read-only" in headers["dead-letter-reason"]
    assert headers["dead-letter-origin"] == b"payments.events/0/1"


async def test_an_undecodable_message_is_parked_without_blocking_the_partition() -> None:
    handled, handle = recorder()
    kafka = Kafka([message("x", 1, raw=b"\x00not json"), message("e2", 2)])
    tally = await kafka.kit(SqliteProcessedEvents(sqlite3.connect(":memory:")), handle).run(
        max_messages=2
    )
    assert [e.id for e in handled] == ["e2"]
    assert (tally.parked, kafka.sent[0][1]["value"]) == (1, b"\x00not json")
