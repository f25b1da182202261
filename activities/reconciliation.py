"""Settlement reconciliation's steps (#32): read a page of a processor's settlement report,
match its items to our captures and refunds, and find ours that no report settled. Each page is
one transaction; every write is keyed by what it is about, so the same day reconciled again
changes nothing.

Matching: a capture by its authorization's id (our payment's `gateway_reference`), a refund by
the processor's id for it (our refund's `gateway_reference`). An item we cannot match is an
`unknown_item`; one that settled another amount or currency than ours is an `amount_mismatch`
or `currency_mismatch`. Ours is `missing` when the day's report settled something we made
later and not it (a processor's batches settle in order), unless an earlier report did.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.toolbox import StepTools
from payment_saga.db.models import OutboxEvent, Payment, Refund
from payment_saga.db.reconciliation import Discrepancy, ReconciliationBook, SettledOperation
from payment_saga.db.views import SettledItemOut
from payment_saga.domain import events
from payment_saga.domain.errors import PaymentSagaError
from payment_saga.domain.reconciliation import (
    ESCALATE_AFTER_DAYS,
    EscalateAnswer,
    EscalateRequest,
    MissingAnswer,
    MissingRequest,
    PageRequest,
    RecordAnswer,
    RecordRequest,
)
from payment_saga.events.rows import discrepancy_event
from payment_saga.processors.port import SettlementItem, SettlementPage


class ReconciliationActivities:
    def __init__(self, payments: StepTools, escalate_after_days: int = ESCALATE_AFTER_DAYS) -> None:
        self._payments = payments
        self._escalate_after = timedelta(days=escalate_after_days)

    @activity.defn
    async def read_settlement_page(self, data: PageRequest) -> SettlementPage:
        reports = self._payments.gateways.reports(data.processor)
        if reports is None:
            raise ApplicationError(
                f"{data.processor} reports no settlement here yet (docs/processors.md)",
                type="settlement_not_supported",
                non_retryable=True,
            )
        try:
            return await reports.settlement_report(data.day, data.starting_after)
        except PaymentSagaError as error:  # an outage: retried by the activity's policy
            raise ApplicationError(error.message, type=error.code) from None

    @activity.defn
    async def record_settlements(self, data: RecordRequest) -> RecordAnswer:
        """The page's items, each once, with the payment's settlement and its event, and the
        discrepancies they open or close with theirs: one transaction."""
        settled, opened, closed = 0, [], []
        async with self._payments.sessions.begin() as session:
            book = ReconciliationBook(session)
            await book.take_turn(data.processor)
            is_default = data.processor == self._payments.gateways.default_kind
            for item in data.items:
                payment, refund = await book.subject(item, data.processor, is_default)
                if await book.record(data.processor, item, payment, refund):
                    settled += 1
                    if payment is not None:
                        session.add(self._settled(payment, refund, item))
                found = _discrepancy(data.processor, data.day, item, payment, refund)
                if found is not None:
                    opened += _with_events(session, [await book.open(found)], "opened")
                elif payment is not None:
                    missing = await book.close_missing(payment.id, refund.id if refund else None)
                    closed += _with_events(session, missing, "closed")
        self._payments.metrics.discrepancies_changed(opened, "opened")
        self._payments.metrics.discrepancies_changed(closed, "closed")
        return RecordAnswer(settled, len(opened))

    @activity.defn
    async def find_missing(self, data: MissingRequest) -> MissingAnswer:
        opened: list[tuple[str, str]] = []
        async with self._payments.sessions.begin() as session:
            book = ReconciliationBook(session)
            await book.take_turn(data.processor)
            latest = await _latest_settled(session, data.processor, date.fromisoformat(data.day))
            if latest is None:
                return MissingAnswer(0)
            is_default = data.processor == self._payments.gateways.default_kind
            for payment, refund in await book.unsettled(data.processor, is_default, latest):
                missing = _missing(data.processor, data.day, payment, refund)
                opened += _with_events(session, [await book.open(missing)], "opened")
        self._payments.metrics.discrepancies_changed(opened, "opened")
        return MissingAnswer(len(opened))

    @activity.defn
    async def escalate_overdue(self, data: EscalateRequest) -> EscalateAnswer:
        """Escalate what is still open RECONCILIATION_ESCALATE_AFTER_DAYS after its settlement
        day, as of the day reconciled (so reconciling an old day again escalates nothing new);
        then count what is open for the gauge the alerts watch."""
        settled_by = date.fromisoformat(data.day) - self._escalate_after
        async with self._payments.sessions.begin() as session:
            book = ReconciliationBook(session)
            await book.take_turn(data.processor)
            escalated = _with_events(
                session, await book.escalate(data.processor, settled_by), "escalated"
            )
            open_now = await book.open_counts()
        self._payments.metrics.discrepancies_changed(escalated, "escalated")
        self._payments.metrics.discrepancies_now(open_now)
        return EscalateAnswer(len(escalated))

    def _settled(
        self, payment: Payment, refund: Refund | None, item: SettlementItem
    ) -> OutboxEvent:
        """The item on the payment's settlement, and the payment.settled event of it."""
        settled = SettledItemOut(
            kind=item.kind, refund_id=refund.id if refund else None, item_id=item.item_id,
            amount=item.amount, fee=item.fee, net=item.net, currency=item.currency.upper(),
            settlement_date=item.settlement_date, payout_id=item.payout_id,
        )  # fmt: skip
        payment.settlement = [*(payment.settlement or []), settled.model_dump(mode="json")]
        return self._payments.event(payment, events.PAYMENT_SETTLED, settled=settled)


def _with_events(
    session: AsyncSession, rows: list[Discrepancy] | list[Discrepancy | None], change: str
) -> list[tuple[str, str]]:
    """Add each changed discrepancy's event; their (processor, kind), for the metrics."""
    changed = []
    for row in rows:
        if row is not None:
            session.add(discrepancy_event(row, change))
            changed.append((row.processor, row.kind))
    return changed


async def _latest_settled(session: AsyncSession, processor: str, day: date) -> datetime | None:
    """When we made the latest of our operations that the day's report settled."""
    captured = (
        select(func.max(Payment.captured_at))
        .join(SettledOperation, SettledOperation.payment_id == Payment.id)
        .where(SettledOperation.processor == processor, SettledOperation.kind == "capture",
               SettledOperation.settlement_date == day)
    )  # fmt: skip
    refunded = (
        select(func.max(Refund.updated_at))
        .join(SettledOperation, SettledOperation.refund_id == Refund.id)
        .where(SettledOperation.processor == processor, SettledOperation.settlement_date == day)
    )
    times: list[datetime | None] = [await session.scalar(captured), await session.scalar(refunded)]
    known = [moment for moment in times if moment is not None]
    return max(known) if known else None


def _ours(payment: Payment, refund: Refund | None) -> tuple[int, str]:
    """What should settle for our operation (a refund's negative), and its id."""
    if refund is not None:
        return -refund.amount, refund.id
    return payment.amount_captured, payment.id


def _discrepancy(
    processor: str, day: str, item: SettlementItem, payment: Payment | None, refund: Refund | None
) -> Discrepancy | None:
    if payment is None:
        return Discrepancy(
            id=f"{processor}:unknown_item:{item.item_id}", processor=processor,
            kind="unknown_item", item_id=item.item_id, settled_amount=item.amount,
            currency=item.currency, settlement_date=date.fromisoformat(day),
            detail=f"{processor} settled {item.kind} {item.reference}, which is not ours",
        )  # fmt: skip
    expected, subject = _ours(payment, refund)
    if item.currency.upper() != payment.currency:
        kind = "currency_mismatch"
    elif item.amount != expected:
        kind = "amount_mismatch"
    else:
        return None
    return Discrepancy(
        id=f"{processor}:{kind}:{subject}", processor=processor, kind=kind,
        payment_id=payment.id, refund_id=refund.id if refund else None, item_id=item.item_id,
        expected_amount=expected, settled_amount=item.amount, currency=item.currency,
        settlement_date=date.fromisoformat(day),
        detail=f"{item.kind} {subject}: ours {expected} {payment.currency}, settled"
        f" {item.amount} {item.currency.upper()}",
    )  # fmt: skip


def _missing(processor: str, day: str, payment: Payment, refund: Refund | None) -> Discrepancy:
    expected, subject = _ours(payment, refund)
    return Discrepancy(
        id=f"{processor}:missing:{subject}", processor=processor, kind="missing",
        payment_id=payment.id, refund_id=refund.id if refund else None,
        expected_amount=expected, currency=payment.currency,
        settlement_date=date.fromisoformat(day),
        detail=f"{'refund' if refund else 'capture'} {subject} is in no report up to {day},"
        " though that day settled something made after it",
    )  # fmt: skip
