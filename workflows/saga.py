"""PaymentSaga: the steps of a payment's workflow (authorize, capture, refund, void) with their
compensations, its state and its search attributes. PaymentWorkflow (workflows/payment.py)
drives them through a run's lifetime and takes the updates.

Passed through the workflow sandbox, like workflows/steps.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

from activities.lifecycle import LifecycleActivities
from activities.payments import PaymentActivities
from activities.voids import VoidActivities
from payment_saga.domain.messages import (
    AuthorizeInput,
    CaptureInput,
    Failure,
    LoadInput,
    PaymentRequest,
    PaymentState,
    RefundFailureInput,
    RefundInput,
    RefundState,
    Resolution,
    ResolveInput,
    StoredPayment,
    UnknownOperation,
    View,
    VoidInput,
)
from payment_saga.domain.money import format_amount
from payment_saga.domain.states import (
    Ledger,
    Outcome,
    PaymentStatus,
    RefundStatus,
    TransitionError,
    refund_window_closed,
    refund_window_end,
)
from workflows import patches
from workflows import search_attributes as attrs
from workflows.outcomes import UnclearOutcomes
from workflows.steps import (
    COMPENSATION_RETRY,
    GATEWAY_RETRY,
    STEP_FAILED,
    decline_of,
    failure_of,
    rejected,
    run_step,
)

CAPTURE_DEADLINE = timedelta(hours=24)
REFUND_DEADLINE = timedelta(hours=24)
# Patches (workflows/patches.py): from VOID_ON_CANCEL on, an operator's cancel during
# authorization voids what it may have authorized; from ACCOUNT_ATTRIBUTE on, the account is a
# search attribute too (AccountId); from CHANGED_ATTRIBUTES on, a run upserts only the search
# attributes whose value changed. Payments begun before replay as they ran.
# A compensation gets the failure (None: a cancel) and whether it may run as a local activity.
Compensation = Callable[[Failure | None, bool], Awaitable[None]]


def cancel_requested() -> bool:
    # A step that waits out a cancel can still succeed; the request is remembered here.
    return workflow.cancellation_reason() is not None


class PaymentSaga:
    def __init__(self, request: PaymentRequest) -> None:
        self._request = request
        self._ledger = Ledger(status=PaymentStatus.PENDING, amount=request.amount)
        self._reference: str | None = None
        self._failure: Failure | None = None
        self._refunds: dict[str, RefundState] = {}
        # Updates and the main flow take turns: one gateway operation at a time.
        self._lock = asyncio.Lock()
        self._compensations: list[Compensation] = []
        self._outcomes = UnclearOutcomes(on_unknown=self._mark_unknown)
        self._undoing: asyncio.Future[None] | None = None
        # Short runs (workflows/payment.py): when the payment began and when it was captured,
        # for the authorization's expiry and the refund window. A first run starts both clocks.
        self._began: datetime | None = None
        self._captured_at: datetime | None = None
        self._short_runs = False
        # The latest dispute's status as a processor's webhook reported it (open, won, lost).
        self._dispute_status: str | None = None
        # While outcome_unknown: the operation in question, as the row keeps it.
        self._unknown: UnknownOperation | None = None
        # When the processor releases the hold by itself, if it said.
        self._hold_expires: datetime | None = None
        # The authorize step ended without an answer (its deadline): an attempt may be in flight.
        self._authorize_in_flight = False
        # requires_action: the page the customer must visit (workflows/customer_actions.py).
        self._action_url: str | None = None
        # The payment as this run's last step committed it (or loaded it), for the API's
        # answer; None when a change is not in it (an outcome gone unknown).
        self._view: View | None = None

    def state(self) -> PaymentState:
        ledger = self._ledger
        return PaymentState(
            payment_id=self._request.payment_id,
            status=ledger.status,
            amount=ledger.amount,
            currency=self._request.currency,
            capture_method=self._request.capture_method,
            amount_authorized=ledger.authorized,
            amount_captured=ledger.captured,
            amount_refunded=ledger.refunded,
            gateway_reference=self._reference,
            failure=self._failure,
            refunds=list(self._refunds.values()),
            dispute_status=self._dispute_status,
            action_url=self._action_url,
            view=self._view,
        )

    # -- a later run starts from the row ------------------------------------------------------

    async def _load(self) -> StoredPayment:
        stored: StoredPayment = await workflow.execute_local_activity_method(
            LifecycleActivities.load_payment,
            LoadInput(self._request.payment_id),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=COMPENSATION_RETRY,
            summary="load the payment's row",
        )
        self._take(stored)
        return stored

    def _take(self, stored: StoredPayment) -> None:
        """The row as committed becomes what the run knows."""
        if stored.found:
            self._ledger = Ledger(
                status=stored.status,
                amount=self._request.amount,
                authorized=stored.amount_authorized,
                captured=stored.amount_captured,
                refunded=stored.amount_refunded,
            )
            self._reference = stored.gateway_reference
            self._failure = stored.failure
            self._refunds = {refund.refund_id: refund for refund in stored.refunds}
            self._began = stored.created_at
            self._captured_at = stored.captured_at
            self._dispute_status = stored.dispute_status
            self._unknown = stored.unknown_operation
            self._view = stored.view
            self._hold_expires = stored.authorization_expires_at
            self._action_url = stored.action_url

    def _resume_compensations(self) -> None:
        """A later run of an authorized payment (or one whose capture or void is unknown) can
        void it, as the first run could: the void is registered as the authorize step left it."""
        if self._ledger.resolved().status not in (
            PaymentStatus.AUTHORIZED,
            PaymentStatus.REQUIRES_ACTION,
        ):
            return
        if patches.patched(patches.LATER_RUNS_CARRY):
            self._compensations.append(self._void_authorization)

    async def _resume_unknown(self) -> None:
        """A later run picks up the capture or void whose outcome an earlier run could not
        confirm: looked up first, then as that run would have gone on (a refund is resumed
        with the payment's pending refunds)."""
        unknown = self._unknown
        if unknown is None or not patches.patched(patches.LATER_RUNS_CARRY):
            return
        async with self._lock:
            if unknown.operation == "capture":
                await self._capture(unknown.amount, local=True, look_up_first=True)
            elif unknown.operation == "void":
                await self._compensate(unknown.failure, local=True)

    def _hold_until(self, began: datetime) -> datetime:
        """Until when a manual payment waits for its capture: our expiry, or earlier when the
        processor said it releases the hold by itself before."""
        until = began + timedelta(seconds=self._request.authorization_expiry_seconds)
        if self._hold_expires is not None and patches.patched(patches.PROCESSOR_EXPIRY):
            return min(until, self._hold_expires)
        return until

    def _refunds_until(self) -> datetime | None:
        return refund_window_end(self._captured_at, self._request.refund_window_seconds)

    def _refund_window_open(self) -> bool:
        # Open while nothing is captured, or captured by a run that did not record when.
        closed = refund_window_closed(
            self._captured_at, self._request.refund_window_seconds, workflow.now()
        )
        return closed is None

    # -- steps --------------------------------------------------------------------------------

    async def _authorize(self) -> bool:
        request = self._request
        # Registered before the step: an authorization whose answer was lost still gets voided.
        self._compensations.append(self._void_authorization)
        # A cancel during the step waits for the gateway's answer, so the void that follows
        # knows whether an authorization exists.
        settle_on_cancel = patches.patched(patches.VOID_ON_CANCEL)
        async with self._lock:
            try:
                result = await run_step(
                    PaymentActivities.authorize,
                    AuthorizeInput(payment=request),
                    deadline=timedelta(seconds=request.authorize_deadline_seconds),
                    retry_policy=GATEWAY_RETRY,
                    summary=f"authorize {format_amount(request.amount, request.currency)}",
                    wait_on_cancel=settle_on_cancel,
                )
            except STEP_FAILED as error:
                if settle_on_cancel and cancel_requested():
                    raise asyncio.CancelledError from None
                self._authorize_in_flight = decline_of(error) is None
                await self._compensate(failure_of(error, "processing_error"), local=True)
                return False
            self._reference, self._view = result.reference, result.view
            if result.action_url is None:
                self._hold_expires = result.expires_at
                self._ledger = self._ledger.authorize(result.amount)
            else:  # the processor asks for the customer first (workflows/customer_actions.py)
                self._action_url = result.action_url
                self._ledger = self._ledger.await_customer()
            self._publish_attributes()
        if settle_on_cancel and cancel_requested():
            raise asyncio.CancelledError  # authorized as the cancel came: the caller voids it
        return True

    async def _capture(self, amount: int, *, local: bool, look_up_first: bool = False) -> None:
        """Capture once; a refused capture voids the authorization and fails the payment."""
        assert self._reference is not None
        data = CaptureInput(
            payment_id=self._request.payment_id,
            authorization_reference=self._reference,
            amount=amount,
            currency=self._request.currency,
            look_up_first=look_up_first,
        )
        try:
            result = await run_step(
                PaymentActivities.capture,
                data,
                local=local,
                deadline=CAPTURE_DEADLINE,
                retry_policy=GATEWAY_RETRY,
                summary=f"capture {format_amount(amount, self._request.currency)}",
            )
        except STEP_FAILED as error:
            resolution = await self._outcomes.resolve(
                ResolveInput(data.payment_id, capture=data), error, "processing_error"
            )
            if resolution.outcome is not Outcome.APPLIED or resolution.result is None:
                cause = resolution.failure or Failure("processing_error", "not captured")
                await self._compensate(
                    Failure(code="capture_failed", message=cause.message, decline_code=cause.code),
                    local=local,
                )
                return
            result = resolution.result
        self._view = result.view
        self._ledger = self._ledger.resolved().capture(result.amount)
        self._captured_at = workflow.now()
        # Captured funds are not undone by voiding; from here refunds are explicit requests.
        self._compensations.clear()
        self._publish_attributes()

    async def _refund(
        self, refund_id: str, amount: int, reason: str | None, *, look_up_first: bool = False
    ) -> RefundState:
        assert self._reference is not None
        pending = RefundState(
            refund_id=refund_id,
            amount=amount,
            currency=self._request.currency,
            status=RefundStatus.PENDING,
            reason=reason,
        )
        self._refunds[refund_id] = pending
        data = RefundInput(
            payment_id=self._request.payment_id,
            refund_id=refund_id,
            authorization_reference=self._reference,
            amount=amount,
            currency=self._request.currency,
            reason=reason,
            look_up_first=look_up_first,
        )
        try:
            stepped = await run_step(
                PaymentActivities.refund,
                data,
                local=False,  # an update's step: see run_step
                deadline=REFUND_DEADLINE,
                retry_policy=GATEWAY_RETRY,
                summary=f"refund {format_amount(amount, self._request.currency)}",
            )
        except STEP_FAILED as error:
            resolution = await self._outcomes.resolve(
                ResolveInput(data.payment_id, refund=data), error, "refund_failed"
            )
        else:
            resolution = Resolution(Outcome.APPLIED, stepped)
        if resolution.outcome is Outcome.APPLIED:
            self._ledger = self._ledger.resolved().refund(amount)
            recorded = resolution.result
            self._view = recorded.view if recorded else None
            result = replace(pending, status=RefundStatus.SUCCEEDED)
            view = recorded.refund_view if recorded else None
            self._publish_attributes()
        else:
            failure = resolution.failure or Failure("refund_failed", "the refund was not made")
            view = await self._fail_refund(RefundFailureInput(refund=data, failure=failure))
            result = replace(pending, status=RefundStatus.FAILED, failure=failure)
        self._refunds[refund_id] = result
        return replace(result, view=view)

    async def _refund_remainder(self, reason: str | None) -> RefundState:
        """A cancel of captured funds: refund what remains, under the payment's one cancel id."""
        refund_id = f"re_cancel_{self._request.payment_id}"
        return await self._refund(refund_id, self._ledger.refundable, reason)

    async def _fail_refund(self, data: RefundFailureInput) -> View | None:
        """The refund ends failed; the refund as recorded (None if it could not be)."""
        if self._ledger.status is PaymentStatus.OUTCOME_UNKNOWN:
            self._ledger = self._ledger.resolved()
            self._publish_attributes()
        try:
            result = await run_step(
                PaymentActivities.fail_refund, data, local=False, retry_policy=COMPENSATION_RETRY
            )
            self._view = result.view
            return result.refund_view
        except STEP_FAILED:
            # Only an error retrying cannot fix gets here (counted by the worker's
            # activity_unretryable_errors_total): the refund ends failed here all the same, so
            # the payment's lock is released instead of held by a step that cannot finish.
            workflow.logger.error("refund %s: its failure was not recorded", data.refund.refund_id)
            self._view = None
            return None

    # -- compensation -------------------------------------------------------------------------

    async def _compensate(self, failure: Failure | None, *, local: bool) -> None:
        """Undo what was done, newest first. `failure` set: the payment fails with it.

        Shielded from cancellation on every path: a cancel arriving mid-way leaves the undoing
        running, and a cancel handler waits for that same task instead of starting over with
        the compensation already taken off the list.
        """
        if self._undoing is None or self._undoing.done():
            self._failure = failure
            self._undoing = asyncio.ensure_future(self._undo(failure, local))
        await asyncio.shield(self._undoing)

    async def _undo(self, failure: Failure | None, local: bool) -> None:
        while self._compensations:
            await self._compensations.pop()(failure, local)

    async def _void_authorization(self, failure: Failure | None, local: bool) -> None:
        """Void; when the processor refused and still holds the authorization, the payment
        waits outcome_unknown for an operator, then voids again (or takes their word that the
        hold is gone): the compensation ends recorded, never with the run failing."""
        data = VoidInput(
            payment_id=self._request.payment_id,
            authorization_reference=self._reference,
            failure=failure,
            routed=bool(self._request.route),
            authorize_in_flight=self._authorize_in_flight and self._reference is None,
        )
        while True:
            result = await run_step(
                VoidActivities.void,
                data,
                local=local,
                retry_policy=COMPENSATION_RETRY,
                summary="void authorization",
            )
            self._view = result.view
            if not result.outcome_unknown:
                break
            self._unknown = UnknownOperation("void", failure=failure)
            verdict = await self._outcomes.await_verdict(
                data.payment_id, "void", "the processor refused it and still holds the funds"
            )
            data = replace(data, released=verdict is Outcome.APPLIED)
        self._unknown = None
        ledger = self._ledger.resolved()  # a capture resolved as not applied is undone too
        self._ledger = ledger.fail() if failure else ledger.cancel()
        self._publish_attributes()

    async def _wait(self, condition: Callable[[], bool], within: timedelta) -> bool:
        """True once the condition holds, False when the timeout came first."""
        try:
            await workflow.wait_condition(condition, timeout=max(within, timedelta(0)))
        except TimeoutError:
            return False
        return True

    def _raise_if_failed(self) -> None:
        """A failed payment is a failed run: its failure code is the error's type."""
        if self._failure is not None:
            raise ApplicationError(
                self._failure.message, asdict(self._failure), type=self._failure.code
            )

    def _mark_unknown(self) -> None:
        self._view = None  # recorded by a step whose answer this run does not take
        self._ledger = self._ledger.resolved().unknown()
        self._publish_attributes()

    def _check(self, change: Callable[[Ledger], Ledger]) -> None:
        try:
            change(self._ledger)
        except TransitionError as error:
            raise rejected(error.code, str(error)) from None

    def _publish_attributes(self) -> None:
        request = self._request
        updates: list[SearchAttributeUpdate[Any]] = [
            attrs.PAYMENT_STATUS.value_set(self._ledger.status.value),
            attrs.ORDER_ID.value_set(request.order_id),
            attrs.PAYMENT_AMOUNT.value_set(request.amount),
            attrs.PAYMENT_CURRENCY.value_set(request.currency),
        ]
        if request.customer_id:
            updates.append(attrs.CUSTOMER_ID.value_set(request.customer_id))
        if patches.patched(patches.ACCOUNT_ATTRIBUTE):
            updates.append(attrs.ACCOUNT_ID.value_set(request.account_id))
        if self._short_runs:
            updates.append(attrs.AMOUNT_CAPTURED.value_set(self._ledger.captured))
            updates.append(attrs.AMOUNT_REFUNDED.value_set(self._ledger.refunded))
        if self._dispute_status is not None:  # never set in runs begun before webhooks
            updates.append(attrs.DISPUTED.value_set(self._dispute_status == "open"))
        if patches.patched(patches.CHANGED_ATTRIBUTES):
            # The start gave the first values: upsert only what changed, or nothing (each
            # upsert is a history event and a visibility write on the server).
            current = workflow.info().typed_search_attributes
            updates = [update for update in updates if current.get(update.key) != update.value]
            if not updates:
                return
        workflow.upsert_search_attributes(updates)
