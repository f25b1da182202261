"""When a capture or refund ends without a clear answer: ask the gateway, record what it did.

A step that ran out of retries or time, or failed on our side after calling the gateway, may
or may not have moved money. Before anything is undone, `resolve` looks the operation up by
its idempotency key and records the answer: applied (the usual success, event and all), not
applied, or declined. When even that cannot be found out, `mark_unknown` puts the payment in
`outcome_unknown` for an operator (docs/operations.md); nothing is guessed.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from temporalio import activity

from activities.gateway_calls import decline_failure, raise_application_error
from activities.ledger import apply_ledger, ledger_of
from activities.toolbox import StepTools
from payment_saga.domain import events
from payment_saga.domain.errors import GatewayDeclined
from payment_saga.domain.keys import capture_key, refund_key
from payment_saga.domain.messages import (
    Resolution,
    ResolveInput,
    StepResult,
    UnknownInput,
    UnknownOperation,
)
from payment_saga.domain.states import Outcome, PaymentStatus
from payment_saga.processors.port import OperationQuery


def operation_key(data: ResolveInput) -> str:
    if data.refund is not None:
        return refund_key(data.payment_id, data.refund.refund_id)
    return capture_key(data.payment_id)


class OutcomeActivities:
    def __init__(self, payments: StepTools) -> None:
        # The payment activities' gateway, metrics and state-change helpers.
        self._payments = payments

    @activity.defn
    async def resolve(self, data: ResolveInput) -> Resolution:
        """What the operation did at the gateway (or the operator's verdict), recorded."""
        resolution = data.verdict_resolution() if data.verdict else await self._look_up(data)
        result = resolution.result
        if resolution.outcome is not Outcome.APPLIED or result is None:
            return resolution
        if data.capture is not None:
            change = await self._payments.record_capture(data.payment_id, result, [])
        elif data.refund is not None:
            change = await self._payments.record_refund(data.refund, result, [])
        else:
            return resolution
        recorded = replace(result, view=change.view, refund_view=change.refund_view)
        return replace(resolution, result=recorded)

    async def _look_up(self, data: ResolveInput) -> Resolution:
        key = operation_key(data)
        step = data.capture or data.refund
        query = OperationQuery(
            data.operation, key, step.authorization_reference if step is not None else None
        )
        processor = await self._payments.processor_of(data.payment_id)
        gateway = self._payments.gateways[processor]
        found, attempt, error = await self._payments.timed(
            data.payment_id, "lookup", key, lambda: gateway.lookup(query), processor
        )
        await self._payments.record_attempts([attempt])
        if isinstance(error, GatewayDeclined):
            return Resolution(Outcome.DECLINED, failure=decline_failure(error))
        if error is not None:
            raise_application_error(error)  # transient: the lookup is retried
        if found is None:
            return Resolution(Outcome.NOT_APPLIED)
        return Resolution(Outcome.APPLIED, StepResult(found.reference, found.amount))

    @activity.defn
    async def mark_unknown(self, data: UnknownInput) -> StepResult:
        """The payment waits in `outcome_unknown`; counted, evented, searchable."""
        async with self._payments.change(data.payment_id) as change:
            payment = change.payment
            if payment.status != PaymentStatus.OUTCOME_UNKNOWN:
                apply_ledger(payment, ledger_of(payment).unknown())
                operation = UnknownOperation(data.operation, data.amount, data.refund_id)
                payment.unknown_operation = asdict(operation)
                payment.failure_code = "outcome_unknown"
                payment.failure_message = (
                    f"the {data.operation} ({data.idempotency_key}) could not be confirmed:"
                    f" {data.cause.message}"
                )[:1000]
                self._payments.metrics.outcome_unknown.labels(data.operation).inc()
                await self._payments.emit(change.repo, payment, events.PAYMENT_OUTCOME_UNKNOWN)
        return StepResult(reference=None, amount=0, view=change.view)
