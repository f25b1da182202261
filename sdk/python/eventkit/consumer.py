"""Consuming payment events the way they are meant to be consumed: decode either encoding, hand
each event to a handler once (duplicates dropped by id), notice gaps in a payment's sequence,
commit offsets only after handling, and park what cannot be handled on a dead-letter topic.

    store = SqliteProcessedEvents(sqlite3.connect("orders.sqlite"))
    kit = PaymentEventConsumer(consumer, producer, store, handle, dead_letter_topic="...")
    await kit.run()

The handler runs inside the store's transaction with the record of the event: with a store in
the consumer's own database, the handler's changes and "this id is done" commit together.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from eventkit.wire import content_type_of, decode

log = logging.getLogger("payment_saga.eventkit")


@dataclass(frozen=True)
class PaymentEvent:
    id: str
    type: str
    payment_id: str
    sequence: int
    time: str
    data: dict[str, Any]

    @property
    def payment(self) -> dict[str, Any]:
        payment: dict[str, Any] = self.data["payment"]
        return payment

    @classmethod
    def of(cls, envelope: dict[str, Any]) -> PaymentEvent:
        return cls(
            id=str(envelope["id"]),
            type=str(envelope["type"]),
            payment_id=str(envelope["subject"]),
            sequence=int(envelope["sequence"]),
            time=str(envelope["time"]),
            data=dict(envelope["data"]),
        )


class ProcessedEvents(Protocol):
    """Where a consumer remembers the events it handled, and each payment's last sequence."""

    def transaction(self) -> Any: ...  # a context manager: commit on success, roll back on error

    def seen(self, event_id: str) -> bool: ...

    def last_sequence(self, payment_id: str) -> int | None: ...

    def record(self, event: PaymentEvent) -> None: ...


class SqliteProcessedEvents:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.execute("CREATE TABLE IF NOT EXISTS processed_events (event_id TEXT PRIMARY KEY)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS payment_sequences"
            " (payment_id TEXT PRIMARY KEY, sequence INTEGER NOT NULL)"
        )
        db.commit()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db:
            yield

    def seen(self, event_id: str) -> bool:
        found = self.db.execute("SELECT 1 FROM processed_events WHERE event_id = ?", (event_id,))
        return found.fetchone() is not None

    def last_sequence(self, payment_id: str) -> int | None:
        row = self.db.execute(
            "SELECT sequence FROM payment_sequences WHERE payment_id = ?", (payment_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def record(self, event: PaymentEvent) -> None:
        self.db.execute("INSERT INTO processed_events VALUES (?)", (event.id,))
        self.db.execute(
            "INSERT INTO payment_sequences VALUES (?, ?) ON CONFLICT (payment_id) DO UPDATE"
            " SET sequence = MAX(sequence, excluded.sequence)",
            (event.payment_id, event.sequence),
        )


Handler = Callable[[PaymentEvent], Awaitable[None]]
GapReport = Callable[[str, int, int], None]  # payment id, expected sequence, the one that came


def log_gap(payment_id: str, expected: int, got: int) -> None:
    log.warning("payment %s: events %d..%d missing", payment_id, expected, got - 1)


@dataclass
class Tally:
    handled: int = 0
    duplicates: int = 0
    parked: int = 0
    gaps: list[tuple[str, int, int]] = field(default_factory=list)


class PaymentEventConsumer:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        store: ProcessedEvents,
        handler: Handler,
        *,
        dead_letter_topic: str,
        attempts: int = 3,
        on_gap: GapReport = log_gap,
    ) -> None:
        # The consumer: a group, enable_auto_commit=False; the producer writes the dead letters.
        self._consumer, self._producer, self._store = consumer, producer, store
        self._handler, self._dead_letters = handler, dead_letter_topic
        self._attempts, self._on_gap = attempts, on_gap
        self.tally = Tally()

    async def run(
        self, stop: asyncio.Event | None = None, *, max_messages: int | None = None
    ) -> Tally:
        """Consume until `stop` is set or `max_messages` were taken."""
        taken = 0
        while (stop is None or not stop.is_set()) and (
            max_messages is None or taken < max_messages
        ):
            batch = await self._consumer.getmany(timeout_ms=500)
            for message in (m for messages in batch.values() for m in messages):
                await self.take(message)
                taken += 1
        return self.tally

    async def take(self, message: ConsumerRecord[Any, Any]) -> None:
        """One message, handled or parked; its offset committed after."""
        try:
            event = PaymentEvent.of(decode(message.value, content_type_of(message.headers)))
        except Exception as error:  # not an event we can read: never block the partition
            await self._park(message, f"undecodable: {error!r}")
        else:
            await self._handle(message, event)
        await self._consumer.commit()

    async def _handle(self, message: ConsumerRecord[Any, Any], event: PaymentEvent) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                with self._store.transaction():
                    if self._store.seen(event.id):
                        self.tally.duplicates += 1
                        return
                    self._check_sequence(event)
                    await self._handler(event)
                    self._store.record(event)
                self.tally.handled += 1
                return
            except Exception as error:
                if attempt == self._attempts:
                    await self._park(message, f"handler failed {attempt} times: {error!r}")
                    return
                await asyncio.sleep(0.1 * 2**attempt)

    def _check_sequence(self, event: PaymentEvent) -> None:
        last = self._store.last_sequence(event.payment_id)
        expected = (last or 0) + 1
        if last is not None and event.sequence > expected:
            self.tally.gaps.append((event.payment_id, expected, event.sequence))
            self._on_gap(event.payment_id, expected, event.sequence)

    async def _park(self, message: ConsumerRecord[Any, Any], reason: str) -> None:
        """The message as it came, on the dead-letter topic, with where it came from and why."""
        origin = f"{message.topic}/{message.partition}/{message.offset}"
        headers = [*(message.headers or ()), ("dead-letter-reason", reason[:500].encode()),
                   ("dead-letter-origin", origin.encode())]  # fmt: skip
        await self._producer.send_and_wait(
            self._dead_letters, value=message.value, key=message.key, headers=headers
        )
        self.tally.parked += 1
        log.error("parked %s on %s: %s", origin, self._dead_letters, reason)
