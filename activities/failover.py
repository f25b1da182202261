"""Authorizing along a payment's route: when its processor is unavailable, the next one takes
over, but only once the first is proven not to have authorized. Never two authorizations.

Proven means: after `GATEWAY_FAILOVER_AFTER_FAILURES` failed attempts on the processor, either
none of them could have been applied (every error was one where nothing was applied: refused
connections, 429, a 5xx the processor documents as not applied), or the processor's own
strongly consistent lookup of the key answers "never applied" (`OperationQuery.consistent`: a
search that lags writes, or a partial list, is no proof). An
attempt whose outcome is unknown and a lookup that fails too keep the payment on its processor
(retried, as with one processor), and a decline is final: declines are not outages.
"""

from __future__ import annotations

from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError

from activities.toolbox import StepTools
from payment_saga.db.models import Payment, PaymentAttempt
from payment_saga.domain.keys import authorize_key
from payment_saga.domain.messages import PaymentRequest, ProcessorToken
from payment_saga.processors.port import GatewayOperation, OperationQuery

# Attempt outcomes after which the processor may have applied the call.
MAYBE_APPLIED = ("unknown",)


async def authorize_along_route(
    payments: StepTools, request: PaymentRequest, on: str | None
) -> tuple[GatewayOperation, list[PaymentAttempt], str | None]:
    """The authorization, the step's attempt rows, and the processor that made it. `on`: the
    processor the payment's row is on (a retry carries on from there)."""
    route = request.route or [ProcessorToken("", request.card_token)]
    start = next((i for i, choice in enumerate(route) if choice.processor == on), 0)
    for index in range(start, len(route)):
        processor = route[index].processor or None
        try:
            operation, attempts = await _authorize_on(payments, request, route[index], processor)
            return operation, attempts, processor
        except ApplicationError as error:
            if index == len(route) - 1 or error.non_retryable:
                raise
            found = await _proven_unavailable(payments, request.payment_id, processor)
            if found is None:
                raise  # not proven: stay, and retry this processor
            if isinstance(found, GatewayOperation):
                return found, [], processor  # it did authorize, its answer was lost
        await _move(payments, request.payment_id, processor, route[index + 1].processor)
    raise AssertionError("a route has at least one processor")


async def _authorize_on(
    payments: StepTools,
    request: PaymentRequest,
    choice: ProcessorToken,
    processor: str | None,
) -> tuple[GatewayOperation, list[PaymentAttempt]]:
    key = authorize_key(request.payment_id, processor)
    gateway = payments.gateways[processor]
    return await payments.step(
        request.payment_id,
        OperationQuery("authorize", key),
        lambda: gateway.authorize(
            choice.token,
            request.amount,
            request.currency,
            key,
            request.customer_return_url,
            request.request_three_d_secure,
        ),
        processor,
    )


async def _proven_unavailable(
    payments: StepTools, payment_id: str, processor: str | None
) -> GatewayOperation | bool | None:
    """True: the processor failed often enough and never authorized; an operation: it did
    authorize after all; None: not proven (too few failures, or it cannot be asked)."""
    key = authorize_key(payment_id, processor)
    async with payments.sessions() as session:
        rows = await session.execute(
            select(PaymentAttempt.outcome, func.count())
            .where(PaymentAttempt.payment_id == payment_id, PaymentAttempt.idempotency_key == key)
            .group_by(PaymentAttempt.outcome)
        )
        outcomes: dict[str, int] = {outcome: count for outcome, count in rows}
    failures = outcomes.get("error", 0) + outcomes.get("unknown", 0)
    if failures < payments.gateways.failover_after_failures:
        return None
    if not any(outcomes.get(outcome) for outcome in MAYBE_APPLIED):
        return True
    query = OperationQuery("authorize", key, consistent=True)  # a miss must be proof
    gateway = payments.gateways[processor]
    found, attempt, error = await payments.timed(
        payment_id, "lookup", key, lambda: gateway.lookup(query), processor
    )
    await payments.record_attempts([attempt])
    if error is not None:
        return None
    return found if found is not None else True


async def _move(payments: StepTools, payment_id: str, left: str | None, taking_over: str) -> None:
    """The payment's row moves to the next processor; its timeline shows the hand-over."""
    async with payments.sessions.begin() as session:
        payment = await session.get(Payment, payment_id, with_for_update=True)
        if payment is not None:
            payment.processor = taking_over
        session.add(
            PaymentAttempt(
                payment_id=payment_id,
                operation="failover",
                idempotency_key=authorize_key(payment_id, left),
                outcome="error",
                error_code=f"{left} unavailable",
                latency_ms=0,
                processor=left,
            )
        )
