"""Events kept in the outbox: published again on demand (`payment-saga events replay`), and
purged once older than the retention (`KAFKA_OUTBOX_RETENTION_DAYS`, 30 by default).

A replayed event is the row's payload as it was first published: the same id, sequence and
key. Consumers that deduplicate by id drop it; one that lost data or joined late gets it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from payment_saga.config import KafkaSettings
from payment_saga.connections import kafka_options
from payment_saga.db.models import OutboxEvent
from payment_saga.db.session import PURGE_BATCH, SessionFactory, purge_in_batches
from payment_saga.events.relay import send_rows

REPLAY_BATCH = 500


async def replay(
    engine: AsyncEngine,
    kafka: KafkaSettings,
    *,
    payment_id: str | None = None,
    since: datetime | None = None,
) -> int:
    """Publish the kept, already published events of a payment or since a time, oldest first;
    the number published."""
    query = select(OutboxEvent.id, OutboxEvent.payment_id, OutboxEvent.payload).where(
        OutboxEvent.published_at.is_not(None)
    )
    if payment_id is not None:
        query = query.where(OutboxEvent.payment_id == payment_id)
    if since is not None:
        query = query.where(OutboxEvent.created_at >= since)
    producer = AIOKafkaProducer(**kafka_options(kafka), enable_idempotence=True, acks="all")
    await producer.start()
    published, after = 0, 0
    try:
        async with engine.connect() as connection:
            while True:
                page = query.where(OutboxEvent.id > after).order_by(OutboxEvent.id)
                rows = list((await connection.execute(page.limit(REPLAY_BATCH))).all())
                if not rows:
                    return published
                await send_rows(producer, kafka, rows)
                published += len(rows)
                after = rows[-1].id
    finally:
        await producer.stop()


class OutboxRetention:
    """Deletes published events older than the retention; unpublished ones are never touched."""

    def __init__(self, sessions: SessionFactory, retention: timedelta) -> None:
        self._sessions = sessions
        self._retention = retention

    async def purge_expired(self) -> int:
        cutoff = datetime.now(UTC) - self._retention
        expired = (
            select(OutboxEvent.id)
            .where(OutboxEvent.published_at < cutoff)
            .order_by(OutboxEvent.id)
            .limit(PURGE_BATCH)
        )
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(OutboxEvent).where(OutboxEvent.id.in_(expired)).returning(OutboxEvent.id)
            )
            return len(result.all())

    async def purge_all_expired(self) -> None:
        await purge_in_batches(self.purge_expired)
