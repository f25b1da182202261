"""How PaymentWorkflow settles a capture or refund that ended without a clear answer.

Passed through the workflow sandbox, like workflows/steps.py: it runs inside the workflow's
context and keeps its state on the workflow's instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from temporalio import workflow

from activities.outcomes import OutcomeActivities, operation_key
from payment_saga.domain.messages import (
    Failure,
    Resolution,
    ResolveInput,
    ResolveRequest,
    UnknownInput,
)
from payment_saga.domain.states import Outcome
from workflows import patches
from workflows.steps import (
    COMPENSATION_RETRY,
    GATEWAY_RETRY,
    RESOLVE_DEADLINE,
    STEP_FAILED,
    decline_of,
    failure_of,
    run_step,
)

# From patches.RESOLVE on, an unclear capture or refund is looked up before anything is undone.


class UnclearOutcomes:
    """Looks an unclear operation up at the gateway; when nobody can tell, marks the payment
    `outcome_unknown` (through `on_unknown`) and waits for an operator's `resolve` update."""

    def __init__(self, on_unknown: Callable[[], None]) -> None:
        self._on_unknown = on_unknown
        # The operator's latest request, and how many times one was awaited.
        self.verdict: ResolveRequest | None = None
        self.rounds = 0

    async def resolve(
        self, data: ResolveInput, error: BaseException, fallback_code: str
    ) -> Resolution:
        """What a failed capture or refund did: a decline says it; otherwise the gateway is
        asked by the operation's key, and an operator decides when nobody can tell. Any
        outcome but APPLIED carries a failure."""
        assert isinstance(error, STEP_FAILED)
        declined = decline_of(error)
        if declined is not None or not patches.patched(patches.RESOLVE):
            return Resolution(Outcome.DECLINED, failure=failure_of(error, fallback_code))
        while True:
            try:
                resolution: Resolution = await run_step(
                    OutcomeActivities.resolve,
                    data,
                    local=False,
                    deadline=RESOLVE_DEADLINE,
                    retry_policy=GATEWAY_RETRY,
                    summary=f"look up the {data.operation}",
                )
                failure = resolution.failure or failure_of(error, fallback_code)
                return replace(resolution, failure=failure)
            except STEP_FAILED as lookup_error:
                cause = failure_of(lookup_error, "outcome_unknown")
            data = replace(data, verdict=await self._wait_for_operator(data, cause))

    async def _wait_for_operator(self, data: ResolveInput, cause: Failure) -> Outcome | None:
        step = data.capture or data.refund
        unknown = UnknownInput(
            data.payment_id,
            data.operation,
            operation_key(data),
            cause,
            amount=step.amount if step is not None else 0,
            refund_id=data.refund.refund_id if data.refund is not None else None,
        )
        try:
            await run_step(
                OutcomeActivities.mark_unknown,
                unknown,
                local=False,
                retry_policy=COMPENSATION_RETRY,
                summary=f"{data.operation}: outcome unknown",
            )
        except STEP_FAILED:
            workflow.logger.error("%s: outcome_unknown not recorded", data.payment_id)
        return await self.await_verdict(data.payment_id, data.operation, cause.message)

    async def await_verdict(self, payment_id: str, operation: str, why: str) -> Outcome | None:
        """The payment, recorded outcome_unknown, waits for an operator's `resolve`: their
        verdict (None: look it up again)."""
        self._on_unknown()
        self.rounds += 1
        workflow.set_current_details(
            f"outcome of the {operation} unknown ({why}):"
            f" payment-saga payments resolve {payment_id}"
        )
        await workflow.wait_condition(lambda: self.verdict is not None)
        verdict, self.verdict = self.verdict, None
        workflow.set_current_details("")
        return verdict.verdict if verdict is not None else None
