"""What the processors settled, matched to our captures and refunds, and what did not match
(#32): the reconciliation's rows and the statements that write them. Repositories never commit:
the activity's transaction does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from payment_saga.db.models import Base, Payment, Refund, Timestamp
from payment_saga.processors.port import SettlementItem


class SettledOperation(Base):
    """A capture or refund as its processor settled it: once per report item."""

    __tablename__ = "settled_operations"
    __table_args__ = (Index("ix_settled_operations_payment_id", "payment_id"),)

    processor: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payment_id: Mapped[str | None] = mapped_column(String(64))
    refund_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    settlement_date: Mapped[date] = mapped_column(Date)
    payout_id: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Discrepancy(Base):
    """Something settlement and our books disagree on. `id` is built from what it is about, so
    reconciling the same day again finds it instead of opening another."""

    __tablename__ = "reconciliation_discrepancies"
    __table_args__ = (Index("ix_reconciliation_discrepancies_status", "status"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processor: Mapped[str] = mapped_column(String(32))
    # unknown_item (settled, not ours), missing (ours, not settled by its day),
    # amount_mismatch, currency_mismatch
    kind: Mapped[str] = mapped_column(String(32))
    payment_id: Mapped[str | None] = mapped_column(String(64))
    refund_id: Mapped[str | None] = mapped_column(String(64))
    item_id: Mapped[str | None] = mapped_column(String(255))
    expected_amount: Mapped[int | None] = mapped_column(BigInteger)
    settled_amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    settlement_date: Mapped[date] = mapped_column(Date)
    # open; closed (a later report settled it); resolved (an operator's word, in `resolution`)
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    detail: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Still open RECONCILIATION_ESCALATE_AFTER_DAYS after its settlement date.
    escalated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    resolution: Mapped[str | None] = mapped_column(Text)
    # The last of its events' sequence (reconciliation.discrepancy, keyed by its id).
    event_sequence: Mapped[int] = mapped_column(Integer, server_default="0")


class ReconciliationBook:
    """The reconciliation's reads and writes, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take_turn(self, processor: str) -> None:
        """One reconciliation step per processor at a time, until the transaction ends: two
        runs of a day (the schedule's and an operator's) may overlap, and one's look for what
        is missing must not miss what the other is recording."""
        await self._session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(f"reconciliation:{processor}")))
        )

    async def subject(
        self, item: SettlementItem, processor: str, is_default: bool
    ) -> tuple[Payment | None, Refund | None]:
        """Our payment (and refund) on `processor` the item is about: a capture by its
        authorization's id, a refund by the processor's id for it (another processor's ids
        may be the same). The payment row is locked: its settlement and event sequence change
        with the item."""
        on = on_processor(processor, is_default)
        if item.kind == "refund":
            refunds = (
                select(Refund)
                .join(Payment, Payment.id == Refund.payment_id)
                .where(Refund.gateway_reference == item.reference, on)
            )
            refund = (await self._session.execute(refunds)).scalars().first()
            if refund is None:
                return None, None
            payment = await self._session.get(Payment, refund.payment_id, with_for_update=True)
            return payment, refund
        payments = (
            select(Payment)
            .where(Payment.gateway_reference == item.authorization_id, on)
            .with_for_update()
        )
        return (await self._session.execute(payments)).scalars().first(), None

    async def unsettled(
        self, processor: str, is_default: bool, before: datetime
    ) -> list[tuple[Payment, Refund | None]]:
        """Our captures and succeeded refunds on the processor, made before `before`, that no
        report has settled. `is_default`: the processor is GATEWAY_KIND, whose payments from
        before routing carry no processor."""
        on = on_processor(processor, is_default)
        settled = select(SettledOperation.payment_id).where(
            SettledOperation.kind == "capture", SettledOperation.payment_id.is_not(None)
        )
        captures = select(Payment).where(
            on, Payment.amount_captured > 0, Payment.captured_at < before,
            Payment.id.not_in(settled),
        )  # fmt: skip
        refunded = select(SettledOperation.refund_id).where(SettledOperation.refund_id.is_not(None))
        refunds = (
            select(Refund, Payment)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(on, Refund.status == "succeeded", Refund.updated_at < before,
                   Refund.id.not_in(refunded))
        )  # fmt: skip
        found: list[tuple[Payment, Refund | None]] = [
            (payment, None) for payment in (await self._session.execute(captures)).scalars()
        ]
        rows = (await self._session.execute(refunds)).all()
        return found + [(payment, refund) for refund, payment in rows]

    async def record(self, processor: str, item: SettlementItem, payment: Payment | None,
                     refund: Refund | None) -> bool:  # fmt: skip
        """The item, once; False when it was recorded before."""
        inserted = await self._session.execute(
            insert(SettledOperation)
            .values(
                processor=processor, item_id=item.item_id, kind=item.kind,
                payment_id=payment.id if payment else None, refund_id=refund.id if refund else None,
                reference=item.reference, amount=item.amount, fee=item.fee, net=item.net,
                currency=item.currency, settlement_date=date.fromisoformat(item.settlement_date),
                payout_id=item.payout_id,
            )
            .on_conflict_do_nothing()
            .returning(SettledOperation.item_id)
        )  # fmt: skip
        return inserted.first() is not None

    async def open(self, discrepancy: Discrepancy) -> Discrepancy | None:
        """Open it unless it is open already (or was resolved): the new row, else None."""
        values = {c.name: getattr(discrepancy, c.key) for c in Discrepancy.__table__.columns
                  if getattr(discrepancy, c.key, None) is not None}  # fmt: skip
        inserted = await self._session.scalars(
            insert(Discrepancy).values(**values).on_conflict_do_nothing().returning(Discrepancy)
        )
        return inserted.first()

    async def close_missing(
        self, payment_id: str | None, refund_id: str | None
    ) -> list[Discrepancy]:
        """A later report settled what was missing: its discrepancy closes by itself."""
        return await self._change(
            (Discrepancy.kind == "missing") & (Discrepancy.status == "open")
            & (Discrepancy.payment_id == payment_id) & (Discrepancy.refund_id == refund_id),
            status="closed", closed_at=func.now(),
        )  # fmt: skip

    async def escalate(self, processor: str, settled_by: date) -> list[Discrepancy]:
        """Open ones about a settlement day up to `settled_by`, not escalated yet."""
        return await self._change(
            (Discrepancy.processor == processor) & (Discrepancy.status == "open")
            & Discrepancy.escalated_at.is_(None) & (Discrepancy.settlement_date <= settled_by),
            escalated_at=func.now(),
        )  # fmt: skip

    async def resolve(self, discrepancy_id: str, resolution: str) -> list[Discrepancy]:
        """An operator's word on an open one (docs/operations.md)."""
        return await self._change(
            (Discrepancy.id == discrepancy_id) & (Discrepancy.status == "open"),
            status="resolved", resolution=resolution, closed_at=func.now(),
        )  # fmt: skip

    async def open_counts(self) -> list[tuple[str, str, bool, int]]:
        """Open discrepancies by processor, kind and whether escalated."""
        escalated = Discrepancy.escalated_at.is_not(None)
        counted = (
            select(Discrepancy.processor, Discrepancy.kind, escalated, func.count())
            .where(Discrepancy.status == "open")
            .group_by(Discrepancy.processor, Discrepancy.kind, escalated)
        )
        return [(p, k, bool(e), int(n)) for p, k, e, n in await self._session.execute(counted)]

    async def _change(self, where: ColumnElement[bool], **values: Any) -> list[Discrepancy]:
        """Change the matching rows (the update locks them) and return them as they are now."""
        changed = await self._session.scalars(
            update(Discrepancy).where(where).values(**values).returning(Discrepancy)
            .execution_options(populate_existing=True)
        )  # fmt: skip
        return list(changed)


def on_processor(processor: str, is_default: bool) -> ColumnElement[bool]:
    """Payments on `processor`; `is_default`: it is GATEWAY_KIND, whose payments from before
    routing carry no processor."""
    on = Payment.processor == processor
    return on | Payment.processor.is_(None) if is_default else on
