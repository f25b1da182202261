"""Processors' webhook events delivered to the payments they are about, each event once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from payment_saga.db.models import Payment, ProcessorEvent, Refund
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import ProcessorNotice
from payment_saga.processors.notices import ReceivedNotice
from payment_saga.steering.payments import PaymentSteering

# How long a webhook waits for the payment's run to take the event; the processor retries an
# answer that is not 2xx.
DELIVERY_WAIT_SECONDS = 10.0


class ProcessorNotices:
    def __init__(self, sessions: SessionFactory, steering: PaymentSteering) -> None:
        self._sessions = sessions
        self._steering = steering

    async def deliver(self, event: ReceivedNotice) -> dict[str, Any]:
        """Hand the event to its payment's workflow, then remember it as handled. A repeat is
        dropped; a failure before the remembering makes the processor send it again, which the
        workflow's handling takes as the same event (it changes nothing twice)."""
        if not event.event_id:
            return {"received": True}
        async with self._sessions() as session:
            seen = await session.get(ProcessorEvent, (event.processor, event.event_id))
        if seen is not None:
            return {"received": True, "duplicate": True, "payment_id": seen.payment_id}
        payment, refund_id = await self._payment_of(event)
        if payment is not None and event.notice is not None:
            await self._hand_over(payment, replace(event.notice, refund_id=refund_id))
        payment_id = payment.id if payment is not None else None
        async with self._sessions.begin() as session:
            await session.execute(
                insert(ProcessorEvent)
                .values(processor=event.processor, event_id=event.event_id[:255],
                        type=event.type[:128], payment_id=payment_id)
                .on_conflict_do_nothing()
            )  # fmt: skip
        return {"received": True, "duplicate": False, "payment_id": payment_id}

    async def _hand_over(self, payment: Payment, notice: ProcessorNotice) -> None:
        """The end of a customer's action is a look at the processor now, as the customer's
        return is (one authorization however many come); anything else is recorded."""
        if notice.kind == "action_completed":
            await self._steering.customer_returned(payment.id, DELIVERY_WAIT_SECONDS)
        else:
            await self._steering.notice(payment, notice, DELIVERY_WAIT_SECONDS)

    async def _payment_of(self, event: ReceivedNotice) -> tuple[Payment | None, str | None]:
        """The payment the event is about (and our refund's id, for a refund's event)."""
        async with self._sessions() as session:
            if event.refund_reference is not None:
                by_reference = select(Refund).where(
                    Refund.gateway_reference == event.refund_reference
                )
                refund = (await session.execute(by_reference)).scalars().first()
                if refund is None:
                    return None, None
                return await session.get(Payment, refund.payment_id), refund.id
            if event.payment_reference is None:
                return None, None
            found = await session.execute(
                select(Payment).where(Payment.gateway_reference == event.payment_reference)
            )
            return found.scalars().first(), None
