"""Waiting for the customer: the processor asked for them (a 3-D Secure challenge, an approval
page) and holds nothing until they act. The run waits durably for whichever comes first: the
customer back through our return route (the `customer_returned` update), its own look at the
processor on a backoff (so a closed browser or a lost notice still ends the wait), a cancel,
or the limit (`PAYMENTS_ACTION_TIMEOUT_SECONDS`), after which the payment fails
`action_expired` and whatever the processor may hold is voided. Each look is one step under the
payment's lock, so a return and a look racing give one authorization. docs/saga.md, "Customer
actions".

Passed through the workflow sandbox, like workflows/saga.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from activities.customer_actions import CustomerActionActivities
from payment_saga.domain.messages import ActionCheck, ActionInput, Failure, PaymentRequest
from payment_saga.domain.states import PaymentStatus
from workflows.saga import PaymentSaga
from workflows.steps import GATEWAY_RETRY, STEP_FAILED, decline_of, run_step

# The first look at the processor comes this soon after the customer was sent to its page;
# each later one waits twice as long, up to the longest (a return asks at once).
FIRST_LOOK = timedelta(seconds=5)
LONGEST_LOOK = timedelta(seconds=60)
# One look keeps retrying a failing processor this long; the next look tries again.
LOOK_DEADLINE = timedelta(seconds=30)
ACTION_EXPIRED = "action_expired"
ACTION_CANCELED = "action_canceled"


class CustomerActions(PaymentSaga):
    def __init__(self, request: PaymentRequest) -> None:
        super().__init__(request)
        self._returns = 0  # the customer's returns taken (each asks the processor at once)
        # The customer came back by the processor's cancel link: unless the look finds the
        # action done after all, the payment fails.
        self._customer_canceled = False
        self._looks = 0  # looks at the processor made

    def _action_until(self) -> datetime:
        assert self._began is not None
        return self._began + timedelta(seconds=self._request.action_timeout_seconds)

    async def _wait_for_customer(self, interrupted: Callable[[], bool]) -> None:
        """Until the customer's action ends at the processor (authorized, or failed and
        voided), `interrupted` holds (a cancel: the caller acts on it), or the limit passes."""
        until = self._action_until()
        workflow.set_current_details(
            f"waiting for the customer until {until:%Y-%m-%d %H:%M:%S} UTC: {self._action_url}"
        )
        look = FIRST_LOOK
        while self._awaiting_customer() and not interrupted() and workflow.now() < until:
            back = self._returned_since(self._returns, interrupted)
            if not await self._wait(back, min(look, until - workflow.now())):
                look = min(look * 2, LONGEST_LOOK)
            if not interrupted():
                await self._look_at_action()
        if self._awaiting_customer() and not interrupted():
            await self._give_up_on_customer()
        workflow.set_current_details("")

    def _returned_since(self, seen: int, interrupted: Callable[[], bool]) -> Callable[[], bool]:
        """The customer came back (or `interrupted`) since `seen` returns were taken."""
        return lambda: self._returns != seen or interrupted()

    def _awaiting_customer(self) -> bool:
        return self._ledger.status is PaymentStatus.REQUIRES_ACTION

    async def _look_at_action(self) -> None:
        """Ask the processor how the action stands; authorized or declined, take it. A return
        waiting on this look is answered once what it found is taken (voided, if declined)."""
        async with self._lock:
            if not self._awaiting_customer():
                return
            try:
                await self._take_action_outcome()
                if self._customer_canceled and self._awaiting_customer():
                    failure = Failure(
                        ACTION_CANCELED, "the customer canceled on the processor's page"
                    )
                    await self._compensate(failure, local=True)
            finally:
                self._looks += 1

    async def _take_action_outcome(self) -> None:
        assert self._reference is not None
        data = ActionInput(
            self._request.payment_id, self._reference, routed=bool(self._request.route)
        )
        try:
            checked: ActionCheck = await run_step(
                CustomerActionActivities.check_action,
                data,
                deadline=LOOK_DEADLINE,
                retry_policy=GATEWAY_RETRY,
                summary="ask the processor whether the customer finished",
            )
        except STEP_FAILED as error:
            declined = decline_of(error)
            if declined is not None:  # failed the challenge, or declined after it
                await self._compensate(declined, local=True)
            return  # no answer: the next look asks again, the limit still holds
        if checked.authorized is not None:
            self._reference, self._view = checked.authorized.reference, checked.authorized.view
            self._hold_expires = checked.authorized.expires_at
            self._ledger = self._ledger.authorize(checked.authorized.amount)
            self._action_url = None
            self._publish_attributes()

    async def _give_up_on_customer(self) -> None:
        """The limit passed: one last look (the customer may have finished just now), then
        the payment fails and anything the processor holds is voided."""
        await self._look_at_action()
        async with self._lock:
            if self._awaiting_customer():
                until = self._action_until()
                failure = Failure(
                    ACTION_EXPIRED, f"the customer did not finish by {until:%H:%M:%S} UTC"
                )
                await self._compensate(failure, local=True)
