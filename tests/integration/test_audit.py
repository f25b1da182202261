"""The audit reads Postgres, the gateway's ledger and Kafka, and finds a healthy payment healthy."""

from __future__ import annotations

from payment_saga.config import Settings
from payment_saga.db.session import SessionFactory
from payment_saga.ops.audit.run import audit, read_topic
from tests.integration.conftest import Payments
from tests.integration.events import EventLog


async def test_topic_reader_sees_a_payments_events(payments: Payments, settings: Settings) -> None:
    handle = await payments.start("4242424242424242", refund_window_seconds=1)
    await handle.result()
    log = EventLog(settings.kafka)
    await log.start()
    expected = [e["id"] for e in await log.wait_for(handle.id, 2)]
    await log.stop()

    assert (await read_topic(settings))[handle.id] == expected


async def test_audit_passes_on_a_healthy_payment(
    payments: Payments, settings: Settings, sessions: SessionFactory
) -> None:
    handle = await payments.start("5555555555554444", refund_window_seconds=1)
    await handle.result()
    report = await audit(sessions, settings, with_kafka=False)
    assert not [v for v in report.violations if v.startswith(handle.id)]
