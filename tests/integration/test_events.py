"""Every state change reaches Kafka once per event id, in order per payment, matching its schema."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent
from payment_saga.db.session import SessionFactory
from payment_saga.domain.events import EVENT_TYPES
from payment_saga.events.schemas import SCHEMA_DIR
from tests.integration.conftest import Payments
from tests.integration.events import EventLog
from tests.integration.test_replay import run_scenarios

VALIDATORS = {
    event_type: Draft202012Validator(
        json.loads((SCHEMA_DIR / f"{event_type}.schema.json").read_text()),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    for event_type in EVENT_TYPES
}


@pytest.fixture
async def event_log(settings: Settings) -> AsyncIterator[EventLog]:
    log = EventLog(settings.kafka)
    await log.start()
    yield log
    await log.stop()


async def outbox_rows(sessions: SessionFactory, payment_id: str) -> list[OutboxEvent]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(OutboxEvent.payment_id == payment_id)
            .order_by(OutboxEvent.sequence)
        )
        return list(rows.scalars())


def first_occurrences(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique = []
    for event in events:
        if event["id"] not in seen:
            seen.add(event["id"])
            unique.append(event)
    return unique


async def check_delivery(log: EventLog, sessions: SessionFactory, payment_id: str) -> list[str]:
    """Kafka holds exactly the outbox's event ids for the payment, in sequence order, valid."""
    rows = await outbox_rows(sessions, payment_id)
    received = first_occurrences(await log.wait_for(payment_id, len(rows)))
    assert [e["id"] for e in received] == [r.event_id for r in rows]
    assert [e["sequence"] for e in received] == list(range(1, len(rows) + 1))
    for event in received:
        VALIDATORS[event["type"]].validate(event)
        assert event == next(r.payload for r in rows if r.event_id == event["id"])
    return [e["type"] for e in received]


async def test_every_scenario_is_published_once_in_order(
    payments: Payments, sessions: SessionFactory, event_log: EventLog
) -> None:
    handles = await run_scenarios(payments)
    types = {name: await check_delivery(event_log, sessions, h.id) for name, h in handles.items()}

    assert types["approved"] == ["payment.authorized", "payment.succeeded"]
    assert types["declined"] == ["payment.failed"]
    assert types["capture_refused"] == ["payment.authorized", "payment.failed"]
    assert types["manual_refund_cancel"] == [
        "payment.authorized", "payment.succeeded", "payment.refunded", "payment.refunded",
    ]  # fmt: skip
    assert all(h == (("content-type", b"application/cloudevents+json"),) for h in event_log.headers)


async def test_relay_metrics_are_exported(settings: Settings, payments: Payments) -> None:
    handle = await payments.start("4242424242424242", refund_window_seconds=1)
    await handle.result()
    url = f"http://{settings.worker.metrics_host}:{settings.worker.metrics_port}/metrics"
    async with httpx.AsyncClient() as http:
        text = (await http.get(url)).text
    published = [
        line for line in text.splitlines() if line.startswith("outbox_events_published_total")
    ]
    assert published and float(published[0].split()[-1]) > 0
    assert "outbox_backlog_events" in text
    assert "outbox_publish_lag_seconds_bucket" in text
