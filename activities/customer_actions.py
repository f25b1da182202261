"""Customer actions (a 3-D Secure challenge, an approval page): how the customer's action ended,
asked of the processor by the authorization's id, and recorded with its event in one commit.

The workflow asks when the customer comes back through our return route, and on its own
backoff meanwhile, so a closed browser or a lost notice still ends the wait. Asking twice is
safe: an answer recorded once is not recorded again.
"""

from __future__ import annotations

from temporalio import activity

from activities.gateway_calls import raise_application_error
from activities.toolbox import StepTools
from payment_saga.domain.keys import authorize_key
from payment_saga.domain.messages import ActionCheck, ActionInput, StepResult
from payment_saga.domain.states import PaymentStatus


class CustomerActionActivities:
    def __init__(self, payments: StepTools) -> None:
        self._payments = payments

    @activity.defn
    async def check_action(self, data: ActionInput) -> ActionCheck:
        """Still waiting (nothing recorded but the attempt), authorized (recorded), or the
        decline raised non-retryable for the workflow to compensate."""
        payments = self._payments
        processor = await payments.processor_of(data.payment_id)
        key = authorize_key(data.payment_id, processor if data.routed else None)
        gateway = payments.gateways[processor]
        found, attempt, error = await payments.timed(
            data.payment_id,
            "action",
            key,
            lambda: gateway.action_outcome(data.authorization_reference, key),
            processor,
        )
        if error is not None:
            await payments.record_attempts([attempt])
            raise_application_error(error)
        if found is None:
            await payments.record_attempts([attempt])
            return ActionCheck()
        async with payments.change(data.payment_id, [attempt]) as change:
            if change.payment.status == PaymentStatus.REQUIRES_ACTION:
                await payments.record_authorized(change, found)
        authorized = StepResult(
            found.authorization_id, found.amount, expires_at=found.expires_at, view=change.view
        )
        return ActionCheck(authorized)
