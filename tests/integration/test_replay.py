"""Histories of each scenario replay cleanly against the current workflow code.

Set RECORD_HISTORIES=DIR to also save them (tests/unit/histories holds the committed set that
the unit replay test checks every change against).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle

from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import (
    CancelRequest,
    CaptureRequest,
    CustomerReturn,
    OutcomeRequest,
    RefundRequest,
)
from payment_saga.domain.reconciliation import workflow_id
from payment_saga.domain.states import CaptureMethod
from payment_saga.ops.cli.reconciliation import reconcile
from payment_saga.steering.payments import PaymentSteering
from tests.integration.conftest import Payments
from tests.integration.test_saga_steering import until_status
from tests.replaying import keyed_replayer
from workflows.payment import PaymentWorkflow

SCENARIOS = {
    "approved": "4242424242424242",
    "declined": "4000000000000002",
    "transient": "4000000000000119",
    "capture_refused": "4000000000000259",
    "lost_response": "4000000000000341",
}


async def finished(handle: WorkflowHandle[PaymentWorkflow, object]) -> None:
    with contextlib.suppress(WorkflowFailureError):
        await handle.result()


async def run_scenarios(payments: Payments) -> dict[str, WorkflowHandle[PaymentWorkflow, object]]:
    handles = {
        name: await payments.start(card, refund_window_seconds=1)
        for name, card in SCENARIOS.items()
    }
    manual = await payments.start("4242424242424242", capture_method=CaptureMethod.MANUAL)
    await until_status(manual, "authorized")
    await manual.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=2000))
    await manual.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id=f"re_r1_{manual.id}", amount=500)
    )
    await manual.execute_update(PaymentWorkflow.cancel, CancelRequest())
    handles["manual_refund_cancel"] = manual
    await asyncio.gather(*(finished(handle) for handle in handles.values()))
    return handles


async def later_run_scenarios(
    payments: Payments, steering: PaymentSteering, sessions: SessionFactory
) -> dict[str, WorkflowHandle[PaymentWorkflow, object]]:
    """A refund after the payment's run closed (a later run, from the row), and a captured
    payment cancelled from Temporal (its remainder refunded)."""
    settled = await payments.start("4242424242424242")
    await settled.result()
    refund = RefundRequest(refund_id=f"re_{settled.id}", amount=500)
    await steering.refund(settled.id, refund, 30.0)
    later = payments.temporal.get_workflow_handle_for(PaymentWorkflow.run, settled.id)
    canceled = await payments.start("4242424242424242", idle_close_seconds=120)
    await until_status(canceled, "captured")
    await canceled.cancel()
    with contextlib.suppress(WorkflowFailureError):
        await canceled.result()
    await finished(later)
    repaired = await later_run_cancel(payments, steering, sessions)
    return {
        "later_run_refund": later,
        "temporal_cancel_captured": canceled,
        "later_run_cancel": repaired,
    }


async def later_run_cancel(
    payments: Payments, steering: PaymentSteering, sessions: SessionFactory
) -> WorkflowHandle[PaymentWorkflow, object]:
    """An authorized manual payment whose run was terminated, repaired from the row, then
    canceled: the later run voids it."""
    authorized = await payments.start("4242424242424242", capture_method=CaptureMethod.MANUAL)
    await until_status(authorized, "authorized")
    await authorized.terminate("repaired from the row")
    async with sessions() as session:
        payment = await session.get(Payment, authorized.id)
    assert payment is not None
    await steering.wake(payment)
    assert (await steering.cancel(authorized.id, "order gone", 30.0)).done
    repaired = payments.temporal.get_workflow_handle_for(PaymentWorkflow.run, authorized.id)
    await finished(repaired)
    return repaired


async def customer_action_scenario(
    payments: Payments, gateway_http: httpx.AsyncClient
) -> WorkflowHandle[PaymentWorkflow, object]:
    """A 3-D Secure challenge completed, the customer back: looked at, authorized, captured."""
    handle = await payments.start(
        "4000002760003184",
        return_url="https://shop.test/done",
        customer_return_url="https://api.test/return",
    )
    state = await handle.execute_update(PaymentWorkflow.wait_for_outcome, OutcomeRequest())
    assert state.action_url is not None
    page = urlsplit(state.action_url).path
    answered = await gateway_http.post(page, data={"outcome": "complete"})
    assert answered.status_code == 303
    await handle.execute_update(PaymentWorkflow.customer_returned, CustomerReturn())
    await finished(handle)
    return handle


async def reconciliation_scenario(
    payments: Payments, temporal: Client, settings: Settings, gateway_http: httpx.AsyncClient
) -> WorkflowHandle[Any, Any]:
    """A settlement day reconciled: a report read, matched, what is missing looked for."""
    await finished(await payments.start("4242424242424242"))
    (await gateway_http.post("/v1/admin/settlements/close")).raise_for_status()
    today = datetime.now(UTC).date()
    await reconcile(temporal, settings, "simulator", today)
    return temporal.get_workflow_handle(workflow_id("simulator", today.isoformat()))


async def test_every_scenario_replays_deterministically(
    payments: Payments,
    temporal: Client,
    settings: Settings,
    sessions: SessionFactory,
    gateway_http: httpx.AsyncClient,
) -> None:
    steering = PaymentSteering(temporal, settings.temporal.task_queue, sessions, settings.payments)
    handles = {
        **await run_scenarios(payments),
        **await later_run_scenarios(payments, steering, sessions),
        "customer_action": await customer_action_scenario(payments, gateway_http),
        "reconciliation": await reconciliation_scenario(payments, temporal, settings, gateway_http),
    }
    replayer = keyed_replayer()
    record_dir = os.environ.get("RECORD_HISTORIES")
    for name, handle in handles.items():
        history = await handle.fetch_history()
        await replayer.replay_workflow(history)  # raises on non-determinism
        if record_dir:
            Path(record_dir, f"{name}.json").write_text(history.to_json())
