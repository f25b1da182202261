"""Reads for the API: Postgres is the source of truth the order service sees."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select

from api.schemas import PaymentList, RefundList, Timeline, TimelineEntry
from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent, Payment, PaymentAttempt, Refund
from payment_saga.db.session import SessionFactory, single_statement
from payment_saga.db.views import PaymentOut, RefundOut, payment_view, refund_view
from payment_saga.domain.errors import InvalidRequest, ResourceMissing


@dataclass(frozen=True)
class PaymentFilter:
    """What a payment list is narrowed to; None: not narrowed."""

    order_id: str | None = None
    status: str | None = None
    # The processor's id of the payment, or of one of its refunds (a processor's report or
    # dashboard names either).
    gateway_reference: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.order_id is not None:
            conditions.append(Payment.order_id == self.order_id)
        if self.status is not None:
            conditions.append(Payment.status == self.status)
        if self.gateway_reference is not None:
            refunded_there = select(Refund.payment_id).where(
                Refund.gateway_reference == self.gateway_reference
            )
            conditions.append(
                or_(
                    Payment.gateway_reference == self.gateway_reference,
                    Payment.id.in_(refunded_there),
                )
            )
        return conditions


class PaymentQueries:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._ui_url = settings.temporal.web_url()
        self._namespace = settings.temporal.namespace

    def view(self, payment: Payment) -> PaymentOut:
        return payment_view(payment, self._ui_url, self._namespace)

    async def payment(self, account_id: str, payment_id: str) -> PaymentOut:
        """The account's payment; another account's answers as if it did not exist (404, so
        existence is not leaked)."""
        async with single_statement(self._sessions) as session:
            payment = await session.get(Payment, payment_id)
        if payment is None or payment.account_id != account_id:
            raise ResourceMissing(f"no payment {payment_id}", param="id")
        return self.view(payment)

    async def payments(
        self,
        account_id: str,
        found: PaymentFilter,
        limit: int,
        starting_after: str | None,
    ) -> PaymentList:
        query = select(Payment).where(Payment.account_id == account_id, *found.conditions())
        async with self._sessions() as session:
            if starting_after:  # empty, as the schema allows: the first page
                cursor = await session.get(Payment, starting_after)
                if cursor is None or cursor.account_id != account_id:
                    raise InvalidRequest("no payment with that id", param="starting_after")
                # Newest first: continue strictly after the cursor in (created_at, id) order.
                query = query.where(
                    or_(
                        Payment.created_at < cursor.created_at,
                        and_(Payment.created_at == cursor.created_at, Payment.id < cursor.id),
                    )
                )
            query = query.order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit + 1)
            rows = list((await session.execute(query)).scalars())
        return PaymentList(data=[self.view(p) for p in rows[:limit]], has_more=len(rows) > limit)

    async def refunds(self, account_id: str, payment_id: str) -> RefundList:
        await self.payment(account_id, payment_id)
        async with self._sessions() as session:
            rows = await session.execute(
                select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.created_at)
            )
            data = [refund_view(r) for r in rows.scalars()]
        return RefundList(data=data)

    async def refund(
        self, account_id: str, refund_id: str, payment_id: str | None = None
    ) -> RefundOut:
        """The account's refund; with `payment_id`, only if it belongs to that payment."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(Refund)
                    .join(Payment, Payment.id == Refund.payment_id)
                    .where(Refund.id == refund_id, Payment.account_id == account_id)
                )
            ).scalar_one_or_none()
        if found is None or (payment_id is not None and found.payment_id != payment_id):
            raise ResourceMissing(f"no refund {refund_id}", param="id")
        return refund_view(found)

    async def refund_or_none(
        self, account_id: str, refund_id: str, payment_id: str
    ) -> RefundOut | None:
        try:
            return await self.refund(account_id, refund_id, payment_id)
        except ResourceMissing:
            return None

    async def timeline(self, account_id: str, payment_id: str) -> Timeline:
        await self.payment(account_id, payment_id)
        async with self._sessions() as session:
            events = (
                await session.execute(
                    select(OutboxEvent).where(OutboxEvent.payment_id == payment_id)
                )
            ).scalars()
            attempts = (
                await session.execute(
                    select(PaymentAttempt).where(PaymentAttempt.payment_id == payment_id)
                )
            ).scalars()
            entries = [_event_entry(e) for e in events] + [_attempt_entry(a) for a in attempts]
        # Rows of one transaction share a timestamp: the gateway call comes before its result.
        entries.sort(key=lambda entry: (entry.at, entry.kind == "state_change"))
        return Timeline(data=entries)


def _event_entry(event: OutboxEvent) -> TimelineEntry:
    payment = event.payload["data"]["payment"]
    detail = {"event": event.type, "event_id": event.event_id, "sequence": event.sequence}
    detail["status"] = payment["status"]
    return TimelineEntry(at=event.created_at.isoformat(), kind="state_change", detail=detail)


def _attempt_entry(attempt: PaymentAttempt) -> TimelineEntry:
    detail = {
        "operation": attempt.operation,
        "idempotency_key": attempt.idempotency_key,
        "outcome": attempt.outcome,
        "error_code": attempt.error_code,
        "latency_ms": attempt.latency_ms,
        "activity_attempt": attempt.activity_attempt,
        "processor": attempt.processor,
    }
    return TimelineEntry(at=attempt.created_at.isoformat(), kind="gateway_attempt", detail=detail)
