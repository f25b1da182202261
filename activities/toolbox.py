"""The activities' shared toolbox: a gateway step (looked up first where it may have been sent),
its timing and attempt rows, and one commit for a state change with its event. Every class of
activities gets one (worker.py); none reaches into another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TypeVar

import structlog
from sqlalchemy import select

from activities.gateway_calls import (
    GatewayCall,
    raise_application_error,
    should_reconcile,
    timed_call,
)
from activities.ledger import Change, apply_ledger, check_refund_of, ledger_of, pending_refund
from activities.metrics import ActivityMetrics
from payment_saga.db.models import OutboxEvent, Payment, PaymentAttempt, Refund
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory, single_statement
from payment_saga.db.views import SettledItemOut, payment_view, refund_view
from payment_saga.domain import events
from payment_saga.domain.errors import GatewayDeclined, PaymentSagaError
from payment_saga.domain.messages import RefundInput, StepResult, View
from payment_saga.domain.states import PaymentStatus, RefundStatus
from payment_saga.events.rows import new_event
from payment_saga.processors.port import GatewayOperation, OperationQuery, PaymentGateway
from payment_saga.processors.routing import Gateways

log = structlog.get_logger("payment_saga.activities")
# What a timed gateway call answers: an operation, or a hold read.
Answer = TypeVar("Answer")


class StepTools:
    """The processors, the sessions and the metrics every class of activities works with."""

    def __init__(
        self,
        sessions: SessionFactory,
        gateway: PaymentGateway | Gateways,
        *,
        temporal_ui_url: str,
        namespace: str,
        metrics: ActivityMetrics | None = None,
    ) -> None:
        self._sessions = sessions
        # Each processor's adapter; a single gateway is the deployment's only processor.
        self._gateways = gateway if isinstance(gateway, Gateways) else Gateways.of_one(gateway)
        self._metrics = metrics or ActivityMetrics()
        self._ui_url = temporal_ui_url
        self._namespace = namespace

    @property
    def metrics(self) -> ActivityMetrics:
        return self._metrics

    @property
    def gateways(self) -> Gateways:
        return self._gateways

    async def processor_of(self, payment_id: str) -> str | None:
        """The processor the payment is on (None: the default); read only when there are
        several."""
        if self._gateways.only_one:
            return None
        async with self._sessions() as session:
            found = await session.execute(select(Payment.processor).where(Payment.id == payment_id))
        return found.scalar_one_or_none()

    @property
    def sessions(self) -> SessionFactory:
        return self._sessions

    async def step(
        self,
        payment_id: str,
        query: OperationQuery,
        send: GatewayCall,
        processor: str | None,
        look_up_first: bool = False,
    ) -> tuple[GatewayOperation, list[PaymentAttempt]]:
        """Call the gateway (after a lookup on retries, or when a later run resumes the step);
        failures are recorded, then raised."""
        attempts: list[PaymentAttempt] = []
        operation, key = query.operation, query.idempotency_key
        gateway = self._gateways[processor]
        if look_up_first or should_reconcile() or not await self._first_send(payment_id, key):
            found, attempt, error = await self.timed(
                payment_id, "lookup", key, lambda: gateway.lookup(query), processor
            )
            attempts.append(attempt)
            if found is not None:
                return found, attempts
            if error is not None and isinstance(error, GatewayDeclined):
                await self.record_attempts(attempts)
                raise_application_error(error)
        result, attempt, error = await self.timed(payment_id, operation, key, send, processor)
        attempts.append(attempt)
        if error is not None:
            await self.record_attempts(attempts)
            raise_application_error(error)
        if result is None:
            raise RuntimeError(f"the gateway's {operation} returned nothing")
        return result, attempts

    async def _first_send(self, payment_id: str, key: str) -> bool:
        """Whether no call under the key went out before, as far as our books say: a local
        activity run again after its workflow task was lost starts over at attempt 1."""
        async with single_statement(self._sessions) as session:
            return await PaymentRepository(session).mark_sending(payment_id, key)

    async def timed(
        self,
        payment_id: str,
        operation: str,
        key: str,
        call: Callable[[], Awaitable[Answer | None]],
        processor: str | None = None,
    ) -> tuple[Answer | None, PaymentAttempt, PaymentSagaError | None]:
        sent = asyncio.ensure_future(timed_call(payment_id, operation, key, call, processor))
        try:
            result, attempt, error = await asyncio.shield(sent)
        except asyncio.CancelledError:
            # A request on its way is answered before the activity ends (within the HTTP
            # client's timeout), so whatever follows a cancel (a void looking up the key) sees
            # what the gateway did with it.
            result, attempt, error = await sent
            self._metrics.observe_attempt(attempt)
            await self.record_attempts([attempt])
            raise
        self._metrics.observe_attempt(attempt)
        log.info(
            "gateway call",
            operation=operation,
            idempotency_key=key,
            outcome=attempt.outcome,
            error_code=attempt.error_code,
            latency_ms=attempt.latency_ms,
        )
        return result, attempt, error

    async def record_attempts(self, attempts: list[PaymentAttempt]) -> None:
        async with self._sessions.begin() as session:
            session.add_all(attempts)

    @asynccontextmanager
    async def change(
        self,
        payment_id: str,
        attempts: Sequence[PaymentAttempt] = (),
        refund: RefundInput | None = None,
    ) -> AsyncIterator[Change]:
        """One commit for one state change: the step's attempt rows, the payment row locked
        (and the refund row of a refund step, inserted pending if missing); the caller applies
        the ledger change and emits its event inside, so they commit together."""
        async with self._sessions.begin() as session:
            repo = PaymentRepository(session)
            session.add_all(attempts)
            if refund is not None:
                await session.execute(pending_refund(refund))
            payment = await self.load(repo, payment_id)
            row = (
                check_refund_of(await repo.get_refund(refund.refund_id), refund) if refund else None
            )
            change = Change(repo, payment, row)
            yield change
            # Built from the row as it commits, whether or not this attempt changed it (an
            # earlier attempt may have): what the step answers the workflow with.
            change.view = self.view_of(payment)
            change.refund_view = refund_view(row).model_dump(mode="json") if row else None

    def view_of(self, payment: Payment) -> View:
        """The payment as the API shows it (its events carry the same)."""
        return payment_view(payment, self._ui_url, self._namespace).model_dump(mode="json")

    async def load(self, repo: PaymentRepository, payment_id: str) -> Payment:
        payment = await repo.get(payment_id, for_update=True)
        if payment is None:
            raise LookupError(f"payment {payment_id} has no row")
        return payment

    async def emit(
        self,
        repo: PaymentRepository,
        payment: Payment,
        event_type: str,
        refund: Refund | None = None,
    ) -> None:
        log.info("state change", event_type=event_type, status=payment.status)
        self._metrics.reached(payment.status)
        await repo.add_event(self.event(payment, event_type, refund=refund))

    def event(
        self,
        payment: Payment,
        event_type: str,
        *,
        refund: Refund | None = None,
        settled: SettledItemOut | None = None,
    ) -> OutboxEvent:
        """The payment's next event row (its sequence taken), for the caller to add."""
        return new_event(
            payment,
            event_type,
            temporal_ui_url=self._ui_url,
            namespace=self._namespace,
            refund=refund,
            settled=settled,
        )

    async def record_authorized(self, change: Change, operation: GatewayOperation) -> None:
        """The authorization as the processor made it, on the locked row, with its event."""
        payment = change.payment
        apply_ledger(payment, ledger_of(payment).authorize(operation.amount))
        payment.gateway_reference = operation.authorization_id
        payment.authorization_expires_at = operation.expires_at
        await self.emit(change.repo, payment, events.PAYMENT_AUTHORIZED)

    async def record_capture(
        self, payment_id: str, result: StepResult, attempts: Sequence[PaymentAttempt]
    ) -> Change:
        """The capture as applied at the gateway: amounts, status and event, one commit."""
        async with self.change(payment_id, attempts) as change:
            payment = change.payment
            if payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.OUTCOME_UNKNOWN):
                apply_ledger(payment, ledger_of(payment).resolved().capture(result.amount))
                await self.emit(change.repo, payment, events.PAYMENT_SUCCEEDED)
        return change

    async def record_refund(
        self, data: RefundInput, result: StepResult, attempts: Sequence[PaymentAttempt]
    ) -> Change:
        """The refund as applied at the gateway: refund row, amounts, event, one commit."""
        async with self.change(data.payment_id, attempts, refund=data) as change:
            payment, refund = change.payment, change.refund_row
            if refund.status == RefundStatus.PENDING:
                refund.status = RefundStatus.SUCCEEDED.value
                refund.gateway_reference = result.reference
                refund.updated_at = datetime.now(UTC)
                apply_ledger(payment, ledger_of(payment).resolved().refund(result.amount))
                await self.emit(change.repo, payment, events.PAYMENT_REFUNDED, refund)
        return change
