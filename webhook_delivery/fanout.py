"""One delivery per event and endpoint of the payment's account, made in the relay's commit
that marks the events published: an event is never published without its deliveries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import OutboxEvent, Payment, WebhookDelivery, WebhookEndpoint


async def fan_out(connection: AsyncConnection, outbox_ids: list[int]) -> None:
    """Inside the caller's transaction; an account without endpoints costs one cheap join."""
    events = (
        select(
            WebhookEndpoint.id,
            OutboxEvent.event_id,
            OutboxEvent.payment_id,
            OutboxEvent.type,
            func.now(),
        )
        .join(Payment, Payment.id == OutboxEvent.payment_id)
        .join(WebhookEndpoint, WebhookEndpoint.account_id == Payment.account_id)
        .where(OutboxEvent.id.in_(outbox_ids), WebhookEndpoint.disabled_at.is_(None))
    )
    columns = ["endpoint_id", "event_id", "payment_id", "event_type", "next_attempt_at"]
    await connection.execute(
        insert(WebhookDelivery).from_select(columns, events).on_conflict_do_nothing()
    )
