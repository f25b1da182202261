"""Replay only: the path of runs begun before short runs (patch `short-runs`, shipped
2026-11-26), which authorize, capture and accept refunds for the whole refund window in one
long run. New runs never come here (PaymentWorkflow.run).

Delete this module, the `_short_runs` branches that lead here and the recorded histories of
long runs (tests/unit/histories/before_short_runs/, before_local_steps/ and the undated ones at
the top of tests/unit/histories/) once no such run is open: with the default settings the last
closes by 2027-06-01 (7 days to capture, then a 180-day refund window). Check first:
`temporal workflow list --query 'ExecutionStatus="Running" AND StartTime < "2026-11-27"'`.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from payment_saga.domain.messages import PaymentRequest, PaymentState
    from payment_saga.domain.states import REFUNDABLE, CaptureMethod, PaymentStatus
    from workflows import patches
    from workflows.saga import PaymentSaga


class LongRuns(PaymentSaga):
    """A run begun before short runs, replayed as it ran."""

    # Until the long run's refund window timer fires.
    _refunds_open = True

    async def _run_long(self, request: PaymentRequest) -> PaymentState:
        self._publish_attributes()
        try:
            if await self._authorize():
                if request.capture_method is CaptureMethod.AUTOMATIC:
                    async with self._lock:
                        await self._capture(self._ledger.authorized, local=True)
                else:
                    await self._wait_for_capture_long()
                if self._ledger.status in REFUNDABLE:
                    await self._accept_refunds()
        except asyncio.CancelledError:
            await self._cancelled_long()
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._raise_if_failed()
        return self.state()

    async def _cancelled_long(self) -> None:
        # Release the authorization before stopping; while authorizing, an authorization may
        # have landed: the void looks it up by its key. Captured: refund what remains.
        voidable = {PaymentStatus.AUTHORIZED}
        if patches.patched(patches.VOID_ON_CANCEL):
            voidable.add(PaymentStatus.PENDING)
        if self._ledger.status in voidable:
            await self._compensate(None, local=True)
        elif self._ledger.status in REFUNDABLE and patches.patched(patches.CANCEL_REFUNDS):
            async with self._lock:
                await self._refund_remainder("canceled in Temporal")

    async def _wait_for_capture_long(self) -> None:
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
