"""PaymentWorkflow: one durable workflow per payment; the workflow id is the payment id.

A run lives as long as its work: authorize -> capture (automatic, or a `capture` update before
the authorization expires); once the payment is settled for now (captured, failed, canceled,
refunded) the run closes after `idle_close_seconds` without work. A later capture, refund or
cancel starts a new run under the same id (update-with-start,
payment_saga/steering/payments.py), which begins from the payment's row in Postgres. A
Temporal cancellation does what the cancel update does in the same state. docs/saga.md, "Lifetime".
"""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.lifecycle import LifecycleActivities
    from payment_saga.domain.errors import MISSING_SCOPE, REFUND_BY_CANCEL
    from payment_saga.domain.messages import (
        CancelRefusal,
        CancelRequest,
        CaptureRequest,
        CustomerReturn,
        NoticeInput,
        OutcomeRequest,
        PaymentRequest,
        PaymentState,
        ProcessorNotice,
        RefundRequest,
        RefundState,
        ResolveRequest,
    )
    from payment_saga.domain.states import (
        REFUNDABLE,
        CaptureMethod,
        PaymentStatus,
        RefundStatus,
        cancel_refunds,
    )
    from workflows import patches
    from workflows.customer_actions import CustomerActions
    from workflows.legacy import LongRuns
    from workflows.steps import COMPENSATION_RETRY, STEP_FAILED, rejected, run_step

# Before capture: a cancel voids what the processor holds, or may hold (requires_action: the
# customer may be finishing). Pending too, for a Temporal cancellation while authorizing.
HOLDING = (PaymentStatus.AUTHORIZED, PaymentStatus.REQUIRES_ACTION)
UNSETTLED = (PaymentStatus.PENDING, *HOLDING)

# Patches (workflows/patches.py): from SHORT_RUNS on, a settled payment's run closes when idle
# and later work starts a new run from the row; a Temporal cancellation does what the cancel
# update does. Runs begun before keep their long path (refunds accepted on the run for the
# whole window) until they end. From CANCEL_REFUNDS on, a long run cancelled from Temporal
# while captured refunds the remainder.


@workflow.defn
class PaymentWorkflow(LongRuns, CustomerActions):
    @workflow.init
    def __init__(self, request: PaymentRequest) -> None:
        super().__init__(request)
        # A later run accepts updates only once it has loaded the row: until then its ledger
        # is a blank one, and validators would judge against it.
        self._loaded = not request.resume
        # A Temporal cancellation is acted on at the next safe point (never mid-step), once:
        # `_cancel_acted` says whether it voided or refunded, or was refused.
        self._cancel_asked = False
        self._cancel_handled = False
        self._cancel_acted = False
        self._requests = 0  # updates taken: each one restarts the idle clock

    @workflow.run
    async def run(self, request: PaymentRequest) -> PaymentState:
        patches.take_generation_at_start()
        self._short_runs = patches.patched(patches.SHORT_RUNS)
        if not self._short_runs:
            return await self._run_long(request)
        if request.resume:
            stored = await self._load()
            self._loaded = True
            if not stored.found:
                raise ApplicationError("the payment has no row", type="payment_not_found")
            self._resume_compensations()
        self._began = self._began or workflow.now()
        self._publish_attributes()
        await self._unless_cancelled(self._lifecycle())
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._raise_if_failed()
        if self._cancel_acted:
            raise asyncio.CancelledError  # the run shows what the operator asked for
        return self.state()

    @workflow.query
    def state(self) -> PaymentState:
        return super().state()

    # -- a short run --------------------------------------------------------------------------

    async def _lifecycle(self) -> None:
        await self._settle()
        await self._idle()

    def _cancel_pending(self) -> bool:
        return self._cancel_asked and not self._cancel_handled

    async def _settle(self) -> None:
        """Bring the payment to rest: finish refunds a stopped run left pending, authorize,
        capture (automatic) or wait for it (manual). A cancellation meanwhile is acted on
        once the step in flight has its answer."""
        for refund in [r for r in self._refunds.values() if r.status is RefundStatus.PENDING]:
            async with self._lock:  # sent by an earlier run, perhaps applied: looked up first
                await self._refund(
                    refund.refund_id, refund.amount, refund.reason, look_up_first=True
                )
        if self._ledger.status is PaymentStatus.OUTCOME_UNKNOWN:
            await self._resume_unknown()
        if self._ledger.status is PaymentStatus.PENDING:
            try:
                if not await self._authorize():
                    return
            except asyncio.CancelledError:
                # Cancelled while authorizing: the step has its answer; what landed is voided.
                self._cancel_asked = True
        if self._ledger.status is PaymentStatus.REQUIRES_ACTION and not self._cancel_pending():
            await self._wait_for_customer(self._cancel_pending)
        if self._ledger.status not in UNSETTLED:
            return
        if self._cancel_pending() or self._ledger.status is PaymentStatus.REQUIRES_ACTION:
            await self._operator_cancel()
        elif self._request.capture_method is CaptureMethod.AUTOMATIC:
            async with self._lock:
                await self._capture(self._ledger.authorized, local=True)
        else:
            await self._wait_for_capture()

    async def _wait_for_capture(self) -> None:
        assert self._began is not None
        until = self._hold_until(self._began)
        workflow.set_current_details(
            f"authorized; waiting for capture or cancel until {until:%Y-%m-%d %H:%M} UTC"
        )
        woken = await self._wait(
            lambda: self._ledger.status is not PaymentStatus.AUTHORIZED or self._cancel_pending(),
            until - workflow.now(),
        )
        if self._ledger.status is PaymentStatus.AUTHORIZED:
            if woken:  # a cancellation came
                await self._operator_cancel()
            else:
                async with self._lock:
                    if self._ledger.status is PaymentStatus.AUTHORIZED:
                        await self._compensate(None, local=True)  # expired: release the funds
        workflow.set_current_details("")

    async def _idle(self) -> None:
        """Serve updates until none has come for `idle_close_seconds` and nothing is in
        flight. An outcome_unknown payment keeps its run: it waits for an operator."""
        idle = timedelta(seconds=self._request.idle_close_seconds)
        while True:
            if self._cancel_pending():
                await self._operator_cancel()
            if self._cancel_acted:
                return  # voided or refunded on a cancellation: nothing is left for this run
            closes = workflow.now() + idle
            workflow.set_current_details(self._rest_details(closes))
            woken = await self._wait(self._work_since(self._requests), idle)
            at_rest = self._ledger.status not in (
                PaymentStatus.OUTCOME_UNKNOWN,
                PaymentStatus.AUTHORIZED,
            )
            if not woken and at_rest and workflow.all_handlers_finished():
                workflow.set_current_details("")
                return

    def _work_since(self, seen: int) -> Callable[[], bool]:
        return lambda: self._requests != seen or self._cancel_pending()

    def _rest_details(self, closes: datetime) -> str:
        status = self._ledger.status
        if status is PaymentStatus.OUTCOME_UNKNOWN:
            return "outcome unknown: waiting for an operator (payment-saga payments resolve)"
        refunds = ""
        until = self._refunds_until()
        if status in REFUNDABLE and until is not None:
            refunds = f"; refunds accepted until {until:%Y-%m-%d} UTC"
        return (
            f"{status}{refunds}; this run closes at {closes:%H:%M:%S} UTC unless more work"
            " comes (a later request starts a new run)"
        )

    async def _unless_cancelled(self, work: Awaitable[None]) -> None:
        """Run the run's work to its end even when the run is cancelled meanwhile: Temporal
        cancels only the run's own task, so no step in flight is abandoned; the cancellation
        is remembered, and the lifecycle's waits act on it."""
        task: Future[None] = asyncio.ensure_future(work)
        while True:
            try:
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                self._cancel_asked = True

    async def _operator_cancel(self) -> None:
        """A Temporal cancellation: what `POST /v1/payments/{id}/cancel` does in this state
        (void the authorization, refund what remains), or a recorded refusal."""
        self._cancel_handled = True
        workflow.set_current_details("cancellation requested from Temporal")
        async with self._lock:
            status = self._ledger.status
            if status in UNSETTLED:
                self._cancel_acted = True
                await self._compensate(None, local=False)
            elif status in REFUNDABLE and self._refund_window_open():
                self._cancel_acted = True
                await self._refund_remainder("canceled in Temporal")
            else:
                await self._refuse_cancel(f"a {status} payment cannot be canceled")

    async def _refuse_cancel(self, reason: str) -> None:
        workflow.logger.warning("cancellation refused: %s", reason)
        try:
            await run_step(
                LifecycleActivities.refuse_cancel,
                CancelRefusal(self._request.payment_id, reason),
                local=False,
                retry_policy=COMPENSATION_RETRY,
                summary=f"cancellation refused: {reason}",
            )
        except STEP_FAILED:
            workflow.logger.error("the refused cancellation was not recorded")

    def _refunds_accepted(self) -> bool:
        return self._refund_window_open() if self._short_runs else self._refunds_open

    # -- updates ------------------------------------------------------------------------------

    async def _taken(self) -> None:
        """An update's start: a later run first loads its row; the idle clock restarts."""
        self._requests += 1
        if not self._loaded:
            await workflow.wait_condition(lambda: self._loaded)

    @workflow.update
    async def wait_for_outcome(self, request: OutcomeRequest) -> PaymentState:
        """For `Prefer: wait`: answers once authorized (manual), captured, or failed."""
        await workflow.wait_condition(lambda: self._loaded and self._outcome_known())
        return self.state()

    def _outcome_known(self) -> bool:
        status = self._ledger.status
        # outcome_unknown too: nothing more will be known before an operator steps in.
        return status.outcome_known(self._request.capture_method) or (
            status is PaymentStatus.OUTCOME_UNKNOWN
        )

    @workflow.update
    async def customer_returned(self, request: CustomerReturn) -> PaymentState:
        """The customer is back from the processor's page (our return route): the run looks at
        the processor now instead of at its next look; answers once that look is made."""
        await self._taken()
        looks = self._looks
        self._customer_canceled = self._customer_canceled or request.canceled
        self._returns += 1
        await workflow.wait_condition(lambda: self._looks > looks or not self._awaiting_customer())
        self._requests += 1
        return self.state()

    @workflow.update
    async def capture(self, request: CaptureRequest) -> PaymentState:
        await self._taken()
        async with self._lock:
            self.validate_capture(request)
            amount = request.amount or self._ledger.authorized
            await self._capture(amount, local=False)
        self._requests += 1
        return self.state()

    @capture.validator
    def validate_capture(self, request: CaptureRequest) -> None:
        if not self._loaded:
            return  # judged by the handler once the row is loaded
        if self._request.capture_method is not CaptureMethod.MANUAL:
            raise rejected("payment_not_capturable", "only manual payments take a capture")
        self._check(lambda ledger: ledger.capture(request.amount or ledger.authorized))

    @workflow.update
    async def cancel(self, request: CancelRequest) -> PaymentState:
        await self._taken()
        async with self._lock:
            self.validate_cancel(request)
            if self._ledger.status in HOLDING:
                self._check_voidable()
                await self._compensate(None, local=False)
            else:
                await self._refund_remainder(request.reason)
        self._requests += 1
        return self.state()

    def _check_voidable(self) -> None:
        """A cancel that would change nothing says so instead of answering as if it had: an
        authorized payment whose run holds no void to run (a run from before later runs
        carried it; `payment-saga payments reconcile --repair` starts one that does)."""
        if not self._compensations and patches.patched(patches.LATER_RUNS_CARRY):
            raise rejected(
                "payment_not_cancelable",
                "this run holds no authorization to void: repair the payment"
                " (payment-saga payments reconcile --repair), then cancel again",
            )

    @cancel.validator
    def validate_cancel(self, request: CancelRequest) -> None:
        if not self._loaded:
            return
        status = self._ledger.status
        if status in HOLDING:
            return
        if cancel_refunds(status) and not request.refunds_allowed:
            # Asked at the edge too, of the row; here for a capture landing in between.
            raise rejected(MISSING_SCOPE, REFUND_BY_CANCEL)
        if status in REFUNDABLE and self._refunds_accepted():
            return
        raise rejected("payment_not_cancelable", f"a {status} payment cannot be canceled")

    @workflow.update
    async def resolve(self, request: ResolveRequest) -> PaymentState:
        """An operator resolves an outcome_unknown: look it up again, or say what happened."""
        await self._taken()
        self.validate_resolve(request)
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
        self._requests += 1
        return self.state()

    @resolve.validator
    def validate_resolve(self, request: ResolveRequest) -> None:
        if not self._loaded:
            return
        unknown = self._ledger.status is PaymentStatus.OUTCOME_UNKNOWN
        # A later run knows the status but not the operation: it cannot look anything up.
        if not unknown or self._outcomes.verdict is not None or self._outcomes.rounds == 0:
            raise rejected("payment_not_unresolved", "the payment's outcome is not unknown")

    @workflow.update
    async def notice(self, notice: ProcessorNotice) -> PaymentState:
        """What the processor reported outside the saga (a webhook: a refund failed later, a
        dispute opened or closed): recorded on the row, which the run then takes as it is."""
        await self._taken()
        async with self._lock:
            stored = await workflow.execute_activity_method(
                LifecycleActivities.apply_notice,
                NoticeInput(self._request.payment_id, notice),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=COMPENSATION_RETRY,
                summary=f"record {notice.kind} from {notice.processor}",
            )
            self._take(stored)
            self._publish_attributes()
        self._requests += 1
        return self.state()

    @workflow.update
    async def refund(self, request: RefundRequest) -> RefundState:
        await self._taken()
        async with self._lock:
            existing = self._refunds.get(request.refund_id)
            if existing is None:
                self.validate_refund(request)
                amount = request.amount or self._ledger.refundable
                existing = await self._refund(request.refund_id, amount, request.reason)
        self._requests += 1
        return existing  # the same refund asked again: its outcome, nothing new

    @refund.validator
    def validate_refund(self, request: RefundRequest) -> None:
        if not self._loaded or request.refund_id in self._refunds:
            return
        if not self._refunds_accepted() or self._ledger.status not in REFUNDABLE:
            raise rejected("payment_not_refundable", f"a {self._ledger.status} payment")
        self._check(lambda ledger: ledger.refund(request.amount or ledger.refundable))
