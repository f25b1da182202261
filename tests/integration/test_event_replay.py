"""Kept events are published again with their ids; past the retention they are purged."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent
from payment_saga.db.session import SessionFactory
from payment_saga.events.replay import OutboxRetention
from payment_saga.ops.audit.run import audit
from tests.integration.conftest import Payments
from tests.integration.events import EventLog
from tests.integration.test_cli import cli


async def test_replay_publishes_a_payments_events_again_with_the_same_ids(
    stack: Stack, payments: Payments, settings: Settings
) -> None:
    log = EventLog(settings.kafka)
    await log.start()
    try:
        handle = await payments.start("4242424242424242")
        first = await log.wait_for(handle.id, 2)
        replayed = await asyncio.to_thread(cli, stack, "events", "replay", "--payment", handle.id)
        assert replayed == {"replayed": 2}
        events = await log.wait_for_messages(handle.id, 4)
    finally:
        await log.stop()
    assert events[2:] == first  # the same envelopes: ids, sequences, payloads
    deduplicated = list({event["id"]: event for event in events}.values())
    assert deduplicated == first


async def test_published_events_past_the_retention_are_purged(
    payments: Payments, sessions: SessionFactory, settings: Settings
) -> None:
    handle = await payments.start("4242424242424242")
    await handle.result()
    async with sessions.begin() as session:
        for _ in range(100):
            rows = list(
                (
                    await session.execute(
                        select(OutboxEvent).where(OutboxEvent.payment_id == handle.id)
                    )
                ).scalars()
            )
            if len(rows) == 2 and all(row.published_at for row in rows):
                break
            await asyncio.sleep(0.1)
        oldest = min(row.sequence for row in rows)
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.payment_id == handle.id, OutboxEvent.sequence == oldest)
            .values(published_at=datetime.now(UTC) - timedelta(days=31))
        )
    await OutboxRetention(sessions, timedelta(days=30)).purge_all_expired()
    async with sessions() as session:
        kept = (
            await session.execute(
                select(OutboxEvent.sequence).where(OutboxEvent.payment_id == handle.id)
            )
        ).scalars()
        assert list(kept) == [oldest + 1]
    report = await audit(sessions, settings)  # Kafka still holds both; the outbox the last
    assert [v for v in report.violations if v.startswith(handle.id)] == []
