"""Outbox relay: committed event rows -> Kafka, at least once, in order per payment.

One relay publishes at a time: each holds a Postgres advisory lock while it is the leader, and
the others wait to take over. A single publisher never reorders one payment's events (rows of a
payment are committed one after the other, so their ids increase), and the idempotent producer
(`acks=all`) keeps each partition's order. A batch is marked published only after Kafka
acknowledged all of it; a crash in between re-publishes the same rows, with the same event ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from payment_saga.config import KafkaSettings
from payment_saga.connections import kafka_options
from payment_saga.db.models import OutboxEvent
from payment_saga.events.encoding import encode
from payment_saga.events.rows import RELAY_CHANNEL
from payment_saga.events.webhooks.fanout import fan_out
from payment_saga.observability.tracing import publish_span
from payment_saga.shutdown import sleep_unless_stopped

log = logging.getLogger("payment_saga.relay")
LEADER_LOCK_ID = 4_242_001  # pg_advisory_lock key shared by every relay of this database
RETRY_SECONDS = 1.0
BACKLOG_REFRESH_SECONDS = 2.0
SERVER_KEEPALIVES = (
    "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"
)


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = Counter(
            "outbox_events_published_total", "Events published to Kafka", registry=registry
        )
        self.failures = Counter(
            "outbox_publish_failures_total", "Batches that failed to publish", registry=registry
        )
        self.backlog = Gauge(
            "outbox_backlog_events", "Committed events not yet published", registry=registry
        )
        self.oldest_age = Gauge(
            "outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished event (0 when none)",
            registry=registry,
        )
        self.lag = Histogram(
            "outbox_publish_lag_seconds",
            "From the event's commit to Kafka's acknowledgement",
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
        )
        self.leader = Gauge(
            "outbox_relay_leader", "1 while this relay publishes", registry=registry
        )


@dataclass
class OutboxRelay:
    engine: AsyncEngine
    kafka: KafkaSettings
    metrics: RelayMetrics
    lock_id: int = LEADER_LOCK_ID
    # The same pool, its connections in autocommit: each batch statement commits on its own.
    _autocommit: AsyncEngine = field(init=False)

    def __post_init__(self) -> None:
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self._lead(stop), self._watch_backlog(stop))

    async def _watch_backlog(self, stop: asyncio.Event) -> None:
        # Separate from publishing, so the backlog shows while Kafka is down.
        while not stop.is_set():
            try:
                await self.refresh_backlog()
            except Exception as error:
                log.debug("backlog refresh failed: %s", error)
            await sleep_unless_stopped(stop, BACKLOG_REFRESH_SECONDS)

    async def _lead(self, stop: asyncio.Event) -> None:
        """Until `stop`: become the leader, publish, and start over after any failure.

        The leader lock lives on a connection of its own, outside the pool, closed on the way
        out whatever happened: closing it is what releases the lock. (A pooled connection went
        back to the pool still holding it after an error, and no relay could lead again.)
        """
        while not stop.is_set():
            try:
                async with await self._lock_connection() as lock_connection:
                    if await _try_lock(lock_connection, self.lock_id):
                        self.metrics.leader.set(1)
                        await self._publish_while_leading(lock_connection, stop)
            except Exception as error:
                self.metrics.failures.inc()
                log.warning("relay interrupted, retrying: %s", error)
            finally:
                self.metrics.leader.set(0)
            await sleep_unless_stopped(stop, RETRY_SECONDS)

    async def _lock_connection(self) -> psycopg.AsyncConnection[Any]:
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return await psycopg.AsyncConnection.connect(
            url,
            autocommit=True,
            connect_timeout=10,
            # The server notices a leader that vanished (host or network gone) within seconds,
            # and ends its session: the lock is free for the next relay.
            options=SERVER_KEEPALIVES,
        )

    async def _publish_while_leading(
        self, lock_connection: psycopg.AsyncConnection[Any], stop: asyncio.Event
    ) -> None:
        producer = AIOKafkaProducer(
            **kafka_options(self.kafka),
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            request_timeout_ms=10_000,
        )
        await producer.start()
        try:
            await lock_connection.execute(f"LISTEN {RELAY_CHANNEL}")
            idle_wait = self.kafka.relay_idle_poll_seconds
            while not stop.is_set():
                published = await self.publish_batch(producer)
                # A short batch took every row there was: rows committed since have notified
                # the listener, so wait for that instead of reading an empty outbox again.
                if published >= self.kafka.relay_batch_size:
                    continue
                if not await _woken(lock_connection, idle_wait):
                    await lock_connection.execute("SELECT 1")  # still holding the lock?
        finally:
            await producer.stop()

    async def publish_batch(self, producer: AIOKafkaProducer) -> int:
        """Publish the oldest unpublished rows; mark them only once Kafka has them all.

        Two statements, each committing on its own: reading the batch, and marking it with its
        webhook deliveries. A crash between Kafka's acknowledgement and the mark publishes the
        same rows again, with the same event ids.
        """
        async with self._autocommit.connect() as connection:
            rows = list(
                (
                    await connection.execute(
                        select(
                            OutboxEvent.id,
                            OutboxEvent.payment_id,
                            OutboxEvent.payload,
                            OutboxEvent.created_at,
                        )
                        .where(OutboxEvent.published_at.is_(None))
                        .order_by(OutboxEvent.id)
                        .limit(self.kafka.relay_batch_size)
                    )
                ).all()
            )
            if not rows:
                return 0
            await self._send(producer, rows)
            await self._mark_published(connection, rows)
        return len(rows)

    async def _send(self, producer: AIOKafkaProducer, rows: list[Row[Any]]) -> None:
        await send_rows(producer, self.kafka, rows)
        acknowledged = datetime.now(UTC)
        for row in rows:
            self.metrics.lag.observe((acknowledged - row.created_at).total_seconds())

    async def _mark_published(self, connection: AsyncConnection, rows: list[Row[Any]]) -> None:
        published = (
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([row.id for row in rows]))
            .values(published_at=func.now())
            .returning(OutboxEvent.event_id, OutboxEvent.payment_id, OutboxEvent.type)
            .cte("published")
        )
        await connection.execute(fan_out(published))
        self.metrics.published.inc(len(rows))

    async def refresh_backlog(self) -> None:
        async with self.engine.connect() as connection:
            count, oldest = (
                await connection.execute(
                    select(func.count(), func.min(OutboxEvent.created_at)).where(
                        OutboxEvent.published_at.is_(None)
                    )
                )
            ).one()
        self.metrics.backlog.set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        self.metrics.oldest_age.set(age)


async def send_rows(producer: AIOKafkaProducer, kafka: KafkaSettings, rows: list[Row[Any]]) -> None:
    """Publish outbox rows (payment_id, payload) as they are, and wait for Kafka to have all.
    send() queues in call order; one payment's key maps to one partition, kept in order."""
    deliveries = []
    for row in rows:
        value, content_type = encode(row.payload, kafka.topic_encoding)
        with publish_span(kafka.topic, row.payload):
            delivery = await producer.send(
                kafka.topic,
                value=value,
                key=row.payment_id.encode(),
                headers=[("content-type", content_type)],
            )
        deliveries.append(delivery)
    await asyncio.gather(*deliveries)


async def _try_lock(connection: psycopg.AsyncConnection[Any], lock_id: int) -> bool:
    cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (lock_id,))
    row = await cursor.fetchone()
    return bool(row and row[0])


async def _woken(listener: psycopg.AsyncConnection[Any], within_seconds: float) -> bool:
    """True when an event commit notified the relay within the time; False on the timeout."""
    # Closed at once (not when collected): the generator holds the connection while open.
    async with contextlib.aclosing(
        listener.notifies(timeout=within_seconds, stop_after=1)
    ) as notifications:
        async for _ in notifications:
            return True
    return False
