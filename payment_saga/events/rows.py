"""Outbox rows: CloudEvents 1.0 envelopes written in the same transaction as the state change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from payment_saga.db.models import OutboxEvent, Payment, Refund
from payment_saga.db.reconciliation import Discrepancy
from payment_saga.db.views import SettledItemOut, discrepancy_view, payment_view, refund_view
from payment_saga.domain.events import RECONCILIATION_DISCREPANCY
from payment_saga.observability.tracing import current_traceparent

EVENT_SOURCE = "urn:payment-saga:payments"
RECONCILIATION_SOURCE = "urn:payment-saga:reconciliation"
# Event ids are derived from (payment, sequence): a retried activity or a re-published row
# carries the same id, so consumers can deduplicate on it.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c1f0e-5a8e-4b1e-9f57-3c2f4f1d2b10")


# Committing an event row notifies this channel (a trigger on outbox_events, migration 0011;
# NOTIFY is delivered on commit), so the relay publishes at once instead of finding the row at
# its next poll.
RELAY_CHANNEL = "outbox_events"


def event_id(subject: str, sequence: int) -> str:
    """A payment's (or a discrepancy's) event number `sequence`, the same every time."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{subject}:{sequence}"))


def new_event(
    payment: Payment,
    event_type: str,
    *,
    temporal_ui_url: str,
    namespace: str,
    refund: Refund | None = None,
    settled: SettledItemOut | None = None,
) -> OutboxEvent:
    """Take the payment's next sequence number and build its event row."""
    payment.event_sequence += 1
    view = payment_view(payment, temporal_ui_url, namespace)
    data: dict[str, Any] = {"payment": view.model_dump(mode="json")}
    if refund is not None:
        data["refund"] = refund_view(refund).model_dump(mode="json")
    if settled is not None:
        data["settled"] = settled.model_dump(mode="json")
    return _row(EVENT_SOURCE, event_type, payment.id, payment.event_sequence, data)


def discrepancy_event(discrepancy: Discrepancy, change: str) -> OutboxEvent:
    """Take the discrepancy's next sequence number and build its event row (keyed by its id:
    one discrepancy's events stay in order, as a payment's do)."""
    discrepancy.event_sequence += 1
    view = discrepancy_view(discrepancy).model_dump(mode="json")
    data = {"discrepancy": view, "change": change}
    return _row(
        RECONCILIATION_SOURCE, RECONCILIATION_DISCREPANCY, discrepancy.id,
        discrepancy.event_sequence, data,
    )  # fmt: skip


def _row(
    source: str, event_type: str, subject: str, sequence: int, data: dict[str, Any]
) -> OutboxEvent:
    envelope = {
        "specversion": "1.0",
        "id": event_id(subject, sequence),
        "source": source,
        "type": event_type,
        "subject": subject,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "sequence": sequence,
        "data": data,
    }
    traceparent = current_traceparent()
    if traceparent is not None:  # CloudEvents' distributed-tracing extension
        envelope["traceparent"] = traceparent
    return OutboxEvent(
        event_id=envelope["id"],
        payment_id=subject,
        sequence=sequence,
        type=event_type,
        payload=envelope,
    )
