"""One delivery per event and endpoint of the payment's account, made in the relay's statement
that marks the events published: an event is never published without its deliveries."""

from __future__ import annotations

from sqlalchemy import CTE, Insert, func, select
from sqlalchemy.dialects.postgresql import insert

from payment_saga.db.models import Payment, WebhookDelivery, WebhookEndpoint


def fan_out(published: CTE) -> Insert:
    """The deliveries of `published` (rows of event_id, payment_id, type), as one statement
    that carries the CTE; an account without endpoints costs one cheap join."""
    events = (
        select(
            WebhookEndpoint.id,
            published.c.event_id,
            published.c.payment_id,
            published.c.type,
            func.now(),
        )
        .join(Payment, Payment.id == published.c.payment_id)
        .join(WebhookEndpoint, WebhookEndpoint.account_id == Payment.account_id)
        .where(WebhookEndpoint.disabled_at.is_(None))
    )
    columns = ["endpoint_id", "event_id", "payment_id", "event_type", "next_attempt_at"]
    # At the top of the statement: PostgreSQL runs a data-modifying WITH only there.
    return (
        insert(WebhookDelivery)
        .from_select(columns, events)
        .on_conflict_do_nothing()
        .add_cte(published)
    )
