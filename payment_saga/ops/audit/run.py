"""Gather every payment's facts (Postgres, the gateway's ledger, Kafka) and run the checks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent, Payment, Refund
from payment_saga.db.reconciliation import Discrepancy, SettledOperation
from payment_saga.db.session import SessionFactory
from payment_saga.events.encoding import content_type_of, decode
from payment_saga.events.topic import whole_topic_consumer
from payment_saga.ops.audit.checks import (
    PaymentFacts,
    amounts_agree,
    deadline_kept,
    events_agree,
    ledger_agrees,
    processor_agrees,
    settlement_agrees,
    workflow_agrees,
)
from payment_saga.ops.audit.ledgers import read_ledgers
from payment_saga.ops.audit.processors import processor_views
from payment_saga.ops.audit.runs import latest_runs


@dataclass
class AuditReport:
    payments: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    # Payments checked against their processor's own ledger (its test server keeps one).
    ledger_checked: int = 0

    def summary(self) -> str:
        statuses = " ".join(f"{k}={v}" for k, v in sorted(self.by_status.items()))
        return (
            f"payments={self.payments} violations={len(self.violations)} "
            f"ledger_checked={self.ledger_checked} {statuses}"
        )


async def read_topic(settings: Settings) -> dict[str, list[str]]:
    """Every event id on the topic, per payment, first occurrences in arrival order."""
    consumer, partitions = await whole_topic_consumer(settings.kafka, from_beginning=True)
    try:
        ends = await consumer.end_offsets(partitions)
        ids: dict[str, list[str]] = defaultdict(list)
        seen: set[str] = set()
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for message in (m for messages in batch.values() for m in messages):
                event = decode(message.value, content_type_of(message.headers))
                if event["id"] not in seen:
                    seen.add(event["id"])
                    ids[event["subject"]].append(event["id"])
        return ids
    finally:
        await consumer.stop()


async def gather(
    sessions: SessionFactory,
    settings: Settings,
    *,
    with_kafka: bool,
    temporal: Client | None,
    payment_ids: list[str] | None = None,
) -> list[PaymentFacts]:
    chosen = (
        select(Payment)
        if payment_ids is None
        else select(Payment).where(Payment.id.in_(payment_ids))
    )
    async with sessions() as session:
        payments = list((await session.execute(chosen)).scalars())
        refund_sums = await session.execute(
            select(Refund.payment_id, func.sum(Refund.amount))
            .where(Refund.status == "succeeded")
            .group_by(Refund.payment_id)
        )
        refunds = {payment_id: total for payment_id, total in refund_sums}
        outbox = await outbox_rows(session)
        settlement = await settlement_facts(session, [p.id for p in payments])
    ledgers = await read_ledgers(settings, payments)
    topic = await read_topic(settings) if with_kafka else None
    runs = await latest_runs(temporal) if temporal is not None else {}
    views = await processor_views(settings, payments)
    return [
        replace(
            facts_of(p, succeeded_refunds=int(refunds.get(p.id, 0))),
            **settlement.get(p.id, {}),
            ledger=ledgers.entries.get(p.id, []),
            ledger_read=(p.processor or settings.gateway.kind) in ledgers.read,
            settlement=views.get(p.id),
            outbox=outbox.get(p.id, []),
            kafka_ids=None if topic is None else topic.get(p.id, []),
            runs_read=temporal is not None,
            run=runs.get(p.id),
        )
        for p in payments
    ]


async def outbox_rows(session: AsyncSession) -> dict[str, list[tuple[int, str, bool]]]:
    """Per subject (a payment), its event rows in order: sequence, id, published."""
    outbox: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    rows = await session.execute(
        select(OutboxEvent.payment_id, OutboxEvent.sequence, OutboxEvent.event_id,
               OutboxEvent.published_at.is_not(None)).order_by(OutboxEvent.sequence)
    )  # fmt: skip
    for payment_id, sequence, event_id, published in rows:
        outbox[payment_id].append((sequence, event_id, published))
    return outbox


async def settlement_facts(
    session: AsyncSession, payment_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Per payment: what settled, the refunds it is matched against, the discrepancies."""
    facts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"settled": [], "refund_amounts": {}, "disputed_by_reconciliation": set()}
    )
    settled = await session.execute(
        select(SettledOperation.payment_id, SettledOperation.kind, SettledOperation.refund_id,
               SettledOperation.amount).where(SettledOperation.payment_id.in_(payment_ids))
    )  # fmt: skip
    for payment_id, kind, refund_id, amount in settled:
        facts[str(payment_id)]["settled"].append((kind, refund_id, amount))
    refunds = await session.execute(
        select(Refund.payment_id, Refund.id, Refund.amount)
        .where(Refund.status == "succeeded", Refund.payment_id.in_(list(facts)))
    )  # fmt: skip
    for payment_id, refund_id, amount in refunds:
        facts[payment_id]["refund_amounts"][refund_id] = amount
    disputed = await session.execute(
        select(Discrepancy.payment_id, Discrepancy.refund_id)
        .where(Discrepancy.payment_id.in_(list(facts)))
    )  # fmt: skip
    for payment_id, refund_id in disputed:
        facts[str(payment_id)]["disputed_by_reconciliation"].add(refund_id)
    return facts


def facts_of(payment: Payment, *, succeeded_refunds: int) -> PaymentFacts:
    """The row's part of a payment's facts (the gateway's ledger, the outbox, Kafka and the
    workflow run are gathered elsewhere)."""
    return PaymentFacts(
        id=payment.id,
        status=payment.status,
        amount=payment.amount,
        authorized=payment.amount_authorized,
        captured=payment.amount_captured,
        refunded=payment.amount_refunded,
        capture_method=payment.capture_method,
        created_at=payment.created_at,
        succeeded_refunds=succeeded_refunds,
        event_sequence=payment.event_sequence,
        settlement_shown=len(payment.settlement or []),
    )


async def audit(
    sessions: SessionFactory,
    settings: Settings,
    *,
    with_kafka: bool = True,
    temporal: Client | None = None,
    payment_ids: list[str] | None = None,
) -> AuditReport:
    """Every check over every payment (or only `payment_ids`); `temporal`: also each
    payment's workflow against its row."""
    facts = await gather(
        sessions, settings, with_kafka=with_kafka, temporal=temporal, payment_ids=payment_ids
    )
    now = datetime.now(UTC)
    ttl = timedelta(seconds=settings.gateway.authorization_ttl_seconds)
    expiry = timedelta(seconds=settings.payments.authorization_expiry_seconds)
    action_timeout = timedelta(seconds=settings.payments.action_timeout_seconds)
    report = AuditReport(payments=len(facts))
    for payment in facts:
        report.by_status[payment.status] = report.by_status.get(payment.status, 0) + 1
        report.ledger_checked += payment.ledger_read
        problems = (
            amounts_agree(payment)
            + ledger_agrees(payment, ttl, now)
            + processor_agrees(payment)
            + events_agree(payment)
            + deadline_kept(payment, expiry, now, action_timeout)
            + workflow_agrees(payment)
            + settlement_agrees(payment)
        )
        report.violations += [f"{payment.id}: {problem}" for problem in problems]
    return report
