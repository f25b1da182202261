"""PaymentWorkflow: one durable workflow per payment; the workflow id is the payment id.

authorize -> capture (automatic, or a `capture` update before the authorization expires) ->
refunds as updates until the refund window closes. A failed step runs the compensations
registered before it, newest first, and the workflow ends failed with the cause.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.payments import PaymentActivities
    from domain.messages import (
        AuthorizeInput,
        CancelRequest,
        CaptureInput,
        CaptureRequest,
        Failure,
        OutcomeRequest,
        PaymentRequest,
        PaymentState,
        RefundFailureInput,
        RefundInput,
        RefundRequest,
        RefundState,
        Resolution,
        ResolveInput,
        ResolveRequest,
        VoidInput,
    )
    from domain.money import format_amount
    from domain.states import (
        CaptureMethod,
        Ledger,
        Outcome,
        PaymentStatus,
        RefundStatus,
        TransitionError,
    )
    from workflows import search_attributes as attrs
    from workflows.outcomes import UnclearOutcomes
    from workflows.steps import (
        COMPENSATION_RETRY,
        GATEWAY_RETRY,
        STEP_FAILED,
        failure_of,
        rejected,
        run_step,
    )

CAPTURE_DEADLINE = timedelta(hours=24)
REFUND_DEADLINE = timedelta(hours=24)
REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
# From this patch on, an operator's cancel during authorization voids what it may have
# authorized. Payments begun before replay as they ran.
VOID_ON_CANCEL_PATCH = "void-when-canceled-while-authorizing"
# From this patch on, the account is a search attribute too (AccountId).
ACCOUNT_ATTRIBUTE_PATCH = "account-search-attribute"
# A compensation gets the failure (None: a cancel) and whether it may run as a local activity.
Compensation = Callable[[Failure | None, bool], Awaitable[None]]


def _cancel_requested() -> bool:
    # A step that waits out a cancel can still succeed; the request is remembered here.
    return workflow.cancellation_reason() is not None


@workflow.defn
class PaymentWorkflow:
    @workflow.init
    def __init__(self, request: PaymentRequest) -> None:
        self._request = request
        self._ledger = Ledger(status=PaymentStatus.PENDING, amount=request.amount)
        self._reference: str | None = None
        self._failure: Failure | None = None
        self._refunds: dict[str, RefundState] = {}
        self._refunds_open = True
        # Updates and the main flow take turns: one gateway operation at a time.
        self._lock = asyncio.Lock()
        self._compensations: list[Compensation] = []
        self._outcomes = UnclearOutcomes(on_unknown=self._mark_unknown)
        self._undoing: asyncio.Future[None] | None = None

    @workflow.run
    async def run(self, request: PaymentRequest) -> PaymentState:
        self._publish_attributes()
        try:
            if await self._authorize():
                if request.capture_method is CaptureMethod.AUTOMATIC:
                    async with self._lock:
                        await self._capture(self._ledger.authorized, local=True)
                else:
                    await self._wait_for_capture()
                if self._ledger.status in REFUNDABLE:
                    await self._accept_refunds()
        except asyncio.CancelledError:
            # An operator cancelled the run: release the authorization before stopping. While
            # authorizing, an authorization may have landed: the void looks it up by its key.
            voidable = {PaymentStatus.AUTHORIZED}
            if workflow.patched(VOID_ON_CANCEL_PATCH):
                voidable.add(PaymentStatus.PENDING)
            if self._ledger.status in voidable:
                await self._compensate(None, local=True)
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._failure is not None:
            raise ApplicationError(
                self._failure.message, asdict(self._failure), type=self._failure.code
            )
        return self.state()

    @workflow.query
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
        )

    # -- steps --------------------------------------------------------------------------------

    async def _authorize(self) -> bool:
        request = self._request
        # Registered before the step: an authorization whose answer was lost still gets voided.
        self._compensations.append(self._void_authorization)
        # A cancel during the step waits for the gateway's answer, so the void that follows
        # knows whether an authorization exists (see run()).
        settle_on_cancel = workflow.patched(VOID_ON_CANCEL_PATCH)
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
                if settle_on_cancel and _cancel_requested():
                    raise asyncio.CancelledError from None
                await self._compensate(failure_of(error, "processing_error"), local=True)
                return False
            self._reference = result.reference
            self._ledger = self._ledger.authorize(result.amount)
            self._publish_attributes()
        if settle_on_cancel and _cancel_requested():
            raise asyncio.CancelledError  # authorized as the cancel came: run() voids it
        return True

    async def _capture(self, amount: int, *, local: bool) -> None:
        """Capture once; a refused capture voids the authorization and fails the payment."""
        assert self._reference is not None
        data = CaptureInput(
            payment_id=self._request.payment_id,
            authorization_reference=self._reference,
            amount=amount,
            currency=self._request.currency,
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
        self._ledger = self._ledger.resolved().capture(result.amount)
        # Captured funds are not undone by voiding; from here refunds are explicit requests.
        self._compensations.clear()
        self._publish_attributes()

    async def _wait_for_capture(self) -> None:
        expiry = timedelta(seconds=self._request.authorization_expiry_seconds)
        until = workflow.now() + expiry
        workflow.set_current_details(
            f"waiting for capture or cancel until {until:%Y-%m-%d %H:%M} UTC"
        )
        try:
            await workflow.wait_condition(
                lambda: self._ledger.status is not PaymentStatus.AUTHORIZED, timeout=expiry
            )
        except TimeoutError:
            async with self._lock:
                if self._ledger.status is PaymentStatus.AUTHORIZED:
                    # expired: release the funds, end canceled
                    await self._compensate(None, local=True)
        workflow.set_current_details("")

    async def _accept_refunds(self) -> None:
        window = timedelta(seconds=self._request.refund_window_seconds)
        until = workflow.now() + window
        workflow.set_current_details(f"captured; refunds accepted until {until:%Y-%m-%d} UTC")
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._ledger.status is PaymentStatus.REFUNDED, timeout=window
            )
        self._refunds_open = False
        workflow.set_current_details("")

    async def _refund(self, refund_id: str, amount: int, reason: str | None) -> RefundState:
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
        )
        try:
            await run_step(
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
            resolution = Resolution(Outcome.APPLIED)
        if resolution.outcome is Outcome.APPLIED:
            self._ledger = self._ledger.resolved().refund(amount)
            result = replace(pending, status=RefundStatus.SUCCEEDED)
            self._publish_attributes()
        else:
            failure = resolution.failure or Failure("refund_failed", "the refund was not made")
            await self._fail_refund(RefundFailureInput(refund=data, failure=failure))
            result = replace(pending, status=RefundStatus.FAILED, failure=failure)
        self._refunds[refund_id] = result
        return result

    async def _fail_refund(self, data: RefundFailureInput) -> None:
        if self._ledger.status is PaymentStatus.OUTCOME_UNKNOWN:
            self._ledger = self._ledger.resolved()
            self._publish_attributes()
        try:
            await run_step(
                PaymentActivities.fail_refund, data, local=False, retry_policy=COMPENSATION_RETRY
            )
        except STEP_FAILED:
            # Only an error retrying cannot fix gets here (counted by the worker's
            # activity_unretryable_errors_total): the refund ends failed here all the same, so
            # the payment's lock is released instead of held by a step that cannot finish.
            workflow.logger.error("refund %s: its failure was not recorded", data.refund.refund_id)

    # -- compensation -------------------------------------------------------------------------

    async def _compensate(self, failure: Failure | None, *, local: bool) -> None:
        """Undo what was done, newest first. `failure` set: the payment fails with it.

        Shielded from cancellation on every path: a cancel arriving mid-way leaves the undoing
        running, and run()'s cancel handler waits for that same task instead of starting over
        with the compensation already taken off the list.
        """
        if self._undoing is None or self._undoing.done():
            self._failure = failure
            self._undoing = asyncio.ensure_future(self._undo(failure, local))
        await asyncio.shield(self._undoing)

    async def _undo(self, failure: Failure | None, local: bool) -> None:
        while self._compensations:
            await self._compensations.pop()(failure, local)

    async def _void_authorization(self, failure: Failure | None, local: bool) -> None:
        await run_step(
            PaymentActivities.void,
            VoidInput(
                payment_id=self._request.payment_id,
                authorization_reference=self._reference,
                failure=failure,
            ),
            local=local,
            retry_policy=COMPENSATION_RETRY,
            summary="void authorization",
        )
        ledger = self._ledger.resolved()  # a capture resolved as not applied is undone too
        self._ledger = ledger.fail() if failure else ledger.cancel()
        self._publish_attributes()

    # -- updates ------------------------------------------------------------------------------

    @workflow.update
    async def wait_for_outcome(self, request: OutcomeRequest) -> PaymentState:
        """For `Prefer: wait`: answers once authorized (manual), captured, or failed."""
        await workflow.wait_condition(self._outcome_known)
        return self.state()

    def _outcome_known(self) -> bool:
        status = self._ledger.status
        # outcome_unknown too: nothing more will be known before an operator steps in.
        return status.outcome_known(self._request.capture_method) or (
            status is PaymentStatus.OUTCOME_UNKNOWN
        )

    @workflow.update
    async def capture(self, request: CaptureRequest) -> PaymentState:
        async with self._lock:
            amount = request.amount or self._ledger.authorized
            self._check(lambda ledger: ledger.capture(amount))
            await self._capture(amount, local=False)
        return self.state()

    @capture.validator
    def validate_capture(self, request: CaptureRequest) -> None:
        if self._request.capture_method is not CaptureMethod.MANUAL:
            raise rejected("payment_not_capturable", "only manual payments take a capture")
        self._check(lambda ledger: ledger.capture(request.amount or ledger.authorized))

    @workflow.update
    async def cancel(self, request: CancelRequest) -> PaymentState:
        async with self._lock:
            self.validate_cancel(request)
            if self._ledger.status is PaymentStatus.AUTHORIZED:
                await self._compensate(None, local=False)
            else:
                refund_id = f"re_cancel_{self._request.payment_id}"
                await self._refund(refund_id, self._ledger.refundable, request.reason)
        return self.state()

    @cancel.validator
    def validate_cancel(self, request: CancelRequest) -> None:
        status = self._ledger.status
        if status is PaymentStatus.AUTHORIZED or (status in REFUNDABLE and self._refunds_open):
            return
        raise rejected("payment_not_cancelable", f"a {status} payment cannot be canceled")

    @workflow.update
    async def resolve(self, request: ResolveRequest) -> PaymentState:
        """An operator resolves an outcome_unknown: look it up again, or say what happened."""
        outcomes, round_seen = self._outcomes, self._outcomes.rounds
        outcomes.verdict = request
        await workflow.wait_condition(
            lambda: (
                outcomes.verdict is None
                and (
                    self._ledger.status is not PaymentStatus.OUTCOME_UNKNOWN
                    or outcomes.rounds > round_seen
                )
            )
        )
        return self.state()

    @resolve.validator
    def validate_resolve(self, request: ResolveRequest) -> None:
        unknown = self._ledger.status is PaymentStatus.OUTCOME_UNKNOWN
        if not unknown or self._outcomes.verdict is not None:
            raise rejected("payment_not_unresolved", "the payment's outcome is not unknown")

    def _mark_unknown(self) -> None:
        self._ledger = self._ledger.resolved().unknown()
        self._publish_attributes()

    @workflow.update
    async def refund(self, request: RefundRequest) -> RefundState:
        async with self._lock:
            existing = self._refunds.get(request.refund_id)
            if existing is not None:
                return existing  # the same refund asked again: its outcome, nothing new
            self.validate_refund(request)
            amount = request.amount or self._ledger.refundable
            return await self._refund(request.refund_id, amount, request.reason)

    @refund.validator
    def validate_refund(self, request: RefundRequest) -> None:
        if request.refund_id in self._refunds:
            return
        if not self._refunds_open or self._ledger.status not in REFUNDABLE:
            raise rejected("payment_not_refundable", f"a {self._ledger.status} payment")
        self._check(lambda ledger: ledger.refund(request.amount or ledger.refundable))

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
        if workflow.patched(ACCOUNT_ATTRIBUTE_PATCH):
            updates.append(attrs.ACCOUNT_ID.value_set(request.account_id))
        workflow.upsert_search_attributes(updates)
