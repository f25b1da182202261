"""Outbox rows: CloudEvents 1.0 envelopes written in the same transaction as the state change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from payment_saga.db.models import OutboxEvent, Payment, Refund
from payment_saga.db.views import payment_view, refund_view
from payment_saga.observability.tracing import current_traceparent

EVENT_SOURCE = "urn:payment-saga:payments"
# Event ids are derived from (payment, sequence): a retried activity or a re-published row
# carries the same id, so consumers can deduplicate on it.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c1f0e-5a8e-4b1e-9f57-3c2f4f1d2b10")


# Committing an event row notifies this channel (a trigger on outbox_events, migration 0011;
# NOTIFY is delivered on commit), so the relay publishes at once instead of finding the row at
# its next poll.
RELAY_CHANNEL = "outbox_events"


def event_id(payment_id: str, sequence: int) -> str:
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{payment_id}:{sequence}"))


def new_event(
    payment: Payment,
    event_type: str,
    *,
    temporal_ui_url: str,
    namespace: str,
    refund: Refund | None = None,
) -> OutboxEvent:
    """Take the payment's next sequence number and build its event row."""
    payment.event_sequence += 1
    sequence = payment.event_sequence
    view = payment_view(payment, temporal_ui_url, namespace)
    data: dict[str, Any] = {"payment": view.model_dump(mode="json")}
    if refund is not None:
        data["refund"] = refund_view(refund).model_dump(mode="json")
    envelope = {
        "specversion": "1.0",
        "id": event_id(payment.id, sequence),
        "source": EVENT_SOURCE,
        "type": event_type,
        "subject": payment.id,
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
        payment_id=payment.id,
        sequence=sequence,
        type=event_type,
        payload=envelope,
    )
