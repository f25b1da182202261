"""Releasing an authorization: the void, and what a void the processor refuses means.

Processors release an uncaptured hold on their own schedule (Stripe cancels the PaymentIntent
when the card network's window ends, Authorize.Net expires it after 30 days) and then refuse a
void of it. A refused void is therefore not a failure by itself: the authorization is read by
its id (`PaymentGateway.hold`), and one that is released or unknown to the processor is a void
that succeeded. Only a hold the processor still keeps (or one it captured) leaves the outcome
unknown: the payment is marked `outcome_unknown` for an operator, never guessed, and the
compensation ends recorded either way.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial

import structlog
from sqlalchemy import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.failover import MAYBE_APPLIED
from activities.gateway_calls import raise_application_error
from activities.ledger import apply_ledger, ledger_of
from activities.toolbox import StepTools
from payment_saga.db.models import Payment, PaymentAttempt
from payment_saga.db.repository import PaymentRepository
from payment_saga.domain import events
from payment_saga.domain.errors import GatewayDeclined
from payment_saga.domain.keys import authorize_key, void_key
from payment_saga.domain.messages import StepResult, UnknownOperation, VoidInput
from payment_saga.domain.states import PaymentStatus
from payment_saga.processors.port import OperationQuery

log = structlog.get_logger("payment_saga.activities")
VOIDABLE = (
    PaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.AUTHORIZED,
    PaymentStatus.OUTCOME_UNKNOWN,
)
# What a processor's read of the authorization says that a refused void still achieved.
NOTHING_HELD = ("released", "missing")


class VoidActivities:
    def __init__(self, payments: StepTools) -> None:
        self._payments = payments

    @activity.defn
    async def void(self, data: VoidInput) -> StepResult:
        """Release the authorization if there is one; the payment ends canceled or failed, or
        outcome_unknown when the processor refused and still holds it."""
        processor = await self._payments.processor_of(data.payment_id)
        reference, attempts = await self._authorization_to_void(data, processor)
        released = True
        if reference is not None and not data.released:
            released, void_attempts = await self._release(data.payment_id, reference, processor)
            attempts += void_attempts
        if data.routed and not data.released:
            elsewhere, other_attempts = await self._release_elsewhere(data.payment_id, processor)
            released, attempts = released and elsewhere, attempts + other_attempts
        view = None
        async with self._payments.sessions.begin() as session:
            repo = PaymentRepository(session)
            session.add_all(attempts)
            # No row (a run begun without one): the void is done, there is nothing to record.
            payment = await repo.get(data.payment_id, for_update=True)
            if payment is not None and payment.status in VOIDABLE:
                if released:
                    await self._record_released(repo, payment, data)
                else:
                    await self._record_unknown(repo, payment, data)
            if payment is not None:
                view = self._payments.view_of(payment)
        return StepResult(reference, 0, outcome_unknown=not released, view=view)

    async def _release(
        self, payment_id: str, reference: str, processor: str | None
    ) -> tuple[bool, list[PaymentAttempt]]:
        """Void; refused, whether the processor still holds anything (True: nothing held)."""
        payments, key = self._payments, void_key(payment_id)
        gateway = payments.gateways[processor]
        try:
            _, attempts = await payments.step(
                payment_id,
                OperationQuery("void", key, reference),
                lambda: gateway.void(reference, key),
                processor,
            )
            return True, attempts
        except ApplicationError as refused:
            if not refused.non_retryable:
                raise  # nothing decided: the void is tried again
        hold, attempt, error = await payments.timed(
            payment_id, "hold", key, lambda: gateway.hold(reference), processor
        )
        if error is not None:
            await payments.record_attempts([attempt])
            raise_application_error(error)
        assert hold is not None
        log.warning("void refused", payment_id=payment_id, hold=hold.status)
        attempt.error_code = f"hold_{hold.status}"
        return hold.status in NOTHING_HELD, [attempt]

    async def _release_elsewhere(
        self, payment_id: str, current: str | None
    ) -> tuple[bool, list[PaymentAttempt]]:
        """A routed payment's other processors where an attempt may have been applied: any
        that authorized after all is voided too."""
        payments, released, attempts = self._payments, True, []
        for tried in await self._processors_tried(payment_id, current):
            key = authorize_key(payment_id, tried)
            query = OperationQuery("authorize", key)
            gateway = payments.gateways[tried]
            found, attempt, error = await payments.timed(
                payment_id, "lookup", key, partial(gateway.lookup, query), tried
            )
            attempts.append(attempt)
            if error is not None and not isinstance(error, GatewayDeclined):
                await payments.record_attempts(attempts)
                raise_application_error(error)  # unknown there: the void is tried again
            if found is not None:
                log.error("an authorization on a processor left behind", processor=tried)
                done, more = await self._release(payment_id, found.authorization_id, tried)
                released, attempts = released and done, attempts + more
        return released, attempts

    async def _processors_tried(self, payment_id: str, current: str | None) -> list[str]:
        async with self._payments.sessions() as session:
            rows = await session.execute(
                select(PaymentAttempt.processor)
                .where(
                    PaymentAttempt.payment_id == payment_id,
                    PaymentAttempt.operation == "authorize",
                    # Where every attempt was refused unsent or answered "not applied" there
                    # is nothing to look up (and a processor still down cannot wedge the void).
                    PaymentAttempt.outcome.in_(MAYBE_APPLIED),
                    PaymentAttempt.processor.is_not(None),
                )
                .distinct()
            )
        return [tried for tried in rows.scalars() if tried and tried != current]

    async def _record_released(
        self, repo: PaymentRepository, payment: Payment, data: VoidInput
    ) -> None:
        ledger = ledger_of(payment).resolved()
        metrics = self._payments.metrics
        metrics.compensations.labels("failure" if data.failure else "cancel").inc()
        if data.failure is None:
            apply_ledger(payment, ledger.cancel())
            await self._payments.emit(repo, payment, events.PAYMENT_CANCELED)
        else:
            apply_ledger(payment, ledger.fail())
            payment.failure_code = data.failure.code
            payment.failure_decline_code = data.failure.decline_code
            payment.failure_message = data.failure.message
            await self._payments.emit(repo, payment, events.PAYMENT_FAILED)

    async def _record_unknown(
        self, repo: PaymentRepository, payment: Payment, data: VoidInput
    ) -> None:
        if payment.status == PaymentStatus.OUTCOME_UNKNOWN:
            return  # recorded by an earlier attempt
        apply_ledger(payment, ledger_of(payment).unknown())
        payment.unknown_operation = asdict(UnknownOperation("void", failure=data.failure))
        payment.failure_code = "outcome_unknown"
        payment.failure_message = (
            f"the processor refused the void ({void_key(payment.id)}) and still holds the"
            " authorization: release it at the processor, then resolve the payment"
        )
        self._payments.metrics.outcome_unknown.labels("void").inc()
        await self._payments.emit(repo, payment, events.PAYMENT_OUTCOME_UNKNOWN)

    async def _authorization_to_void(
        self, data: VoidInput, processor: str | None
    ) -> tuple[str | None, list[PaymentAttempt]]:
        """The authorization id, asking the gateway when its answer never reached us."""
        if data.authorization_reference is not None:
            return data.authorization_reference, []
        payments = self._payments
        if data.authorize_in_flight:
            # The workflow moved on at its deadline while the attempt's call may still land:
            # no call outlives the adapter's timeout, so the lookup after it sees what landed.
            await asyncio.sleep(payments.gateways.call_timeout_seconds)
        key = authorize_key(data.payment_id, processor if data.routed else None)
        query = OperationQuery("authorize", key)
        found, attempt, error = await payments.timed(
            data.payment_id,
            "lookup",
            key,
            lambda: payments.gateways[processor].lookup(query),
            processor,
        )
        if error is not None and not isinstance(error, GatewayDeclined):
            await payments.record_attempts([attempt])
            raise_application_error(error)
        return (found.authorization_id if found else None), [attempt]
