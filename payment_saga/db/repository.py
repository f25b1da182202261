"""Data access. Repositories add and read; the caller's transaction commits (or not)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_saga.db.models import GatewaySend, OutboxEvent, Payment, PaymentAttempt, Refund
from payment_saga.domain.messages import PaymentRequest
from payment_saga.domain.states import PaymentStatus


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        query = select(Payment).where(Payment.id == payment_id)
        if for_update:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add_if_missing(self, request: PaymentRequest, processor: str | None = None) -> bool:
        """Insert the pending row; True if inserted, False if it was there (a retried create
        changes nothing). `processor`: the deployment's default, for a payment without a
        route."""
        card = request.card
        card_columns = {
            "card_token": request.card_token or None,
            "card_brand": card.brand if card else None,
            "card_last4": card.last4 if card else None,
            "card_exp_month": card.exp_month if card else None,
            "card_exp_year": card.exp_year if card else None,
            "card_fingerprint": card.fingerprint if card else None,
            "card_funding": card.funding if card else None,
        }
        statement = (
            insert(Payment)
            .values(
                id=request.payment_id,
                account_id=request.account_id,
                order_id=request.order_id,
                customer_id=request.customer_id,
                amount=request.amount,
                currency=request.currency,
                status=PaymentStatus.PENDING.value,
                capture_method=request.capture_method.value,
                processor=request.route[0].processor if request.route else processor,
                payment_method=request.payment_method,
                **card_columns,
                description=request.description,
                metadata_=dict(request.metadata),
                route=[{"processor": r.processor, "token": r.token} for r in request.route],
                return_url=request.return_url,
                customer_return_url=request.customer_return_url,
                request_three_d_secure=request.request_three_d_secure,
                version=1,
            )
            .on_conflict_do_nothing(index_elements=[Payment.id])
            .returning(Payment.id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def mark_sending(self, payment_id: str, idempotency_key: str) -> bool:
        """Note that a call under the key is going out; False when one may have gone before."""
        statement = (
            insert(GatewaySend)
            .values(idempotency_key=idempotency_key, payment_id=payment_id)
            .on_conflict_do_nothing(index_elements=[GatewaySend.idempotency_key])
            .returning(GatewaySend.idempotency_key)
        )
        return (await self._session.execute(statement)).first() is not None

    async def get_refund(self, refund_id: str) -> Refund | None:
        return await self._session.get(Refund, refund_id)

    async def refunds_of(self, payment_id: str) -> list[Refund]:
        query = select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.created_at)
        return list((await self._session.execute(query)).scalars())

    async def attempts_of(self, payment_id: str) -> Sequence[PaymentAttempt]:
        query = (
            select(PaymentAttempt)
            .where(PaymentAttempt.payment_id == payment_id)
            .order_by(PaymentAttempt.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def events_of(self, payment_id: str) -> Sequence[OutboxEvent]:
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.payment_id == payment_id)
            .order_by(OutboxEvent.sequence)
        )
        return (await self._session.execute(query)).scalars().all()

    async def add_event(self, event: OutboxEvent) -> None:
        """The event row; its insert wakes the relay when the transaction commits (a trigger,
        migration 0011)."""
        self._session.add(event)
