"""A payment's runs: closed once settled and idle, woken by later work from the row, cancelled
from Temporal as the API cancels, and repaired after a terminate or a reset. Each test ends
with the audit (workflows included) at zero violations for its payments."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.db.session import SessionFactory
from payment_saga.domain.errors import StateConflict
from payment_saga.domain.messages import RefundRequest
from payment_saga.domain.states import CaptureMethod
from payment_saga.ops.audit.run import audit
from payment_saga.steering.payments import PaymentSteering
from tests.integration.conftest import Payments
from tests.integration.test_cli import cli
from tests.integration.test_saga_cards import event_types, row
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"
WAIT = 30.0
# Long enough for a test to act on an open run.
STAYS_OPEN: dict[str, Any] = {"idle_close_seconds": 120}


async def closed(handle: WorkflowHandle[Any, Any]) -> WorkflowExecutionStatus:
    """Wait for the run to close; its status."""
    for _ in range(600):
        status = (await handle.describe()).status
        if status is not WorkflowExecutionStatus.RUNNING and status is not None:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the run never closed")


async def violations(
    sessions: SessionFactory, settings: Settings, temporal: Client, *payment_ids: str
) -> list[str]:
    report = await audit(sessions, settings, with_kafka=False, temporal=temporal)
    return [v for v in report.violations if v.split(":")[0] in payment_ids]


async def audited(
    sessions: SessionFactory, settings: Settings, temporal: Client, *payment_ids: str
) -> list[str]:
    """The audit's violations for these payments, once the relay and visibility caught up."""
    for _ in range(40):
        found = await violations(sessions, settings, temporal, *payment_ids)
        if not found:
            return []
        await asyncio.sleep(0.5)
    return found


async def test_a_settled_payment_closes_and_a_later_refund_starts_a_new_run(
    payments: Payments,
    steering: PaymentSteering,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
) -> None:
    handle = await payments.start(APPROVED, amount=3000)
    first = await handle.result()
    assert first.status == "captured"  # closed after its idle time, not after 180 days

    refund = RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=1000)
    assert (await steering.refund(handle.id, refund, WAIT)).done
    later = temporal.get_workflow_handle_for(PaymentWorkflow.run, handle.id)
    description = await later.describe()
    assert description.run_id != handle.result_run_id
    # Started from the row: not with a new payment's first search attributes ("pending").
    started = (await later.fetch_history()).events[0].workflow_execution_started_event_attributes
    assert "PaymentStatus" not in started.search_attributes.indexed_fields
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 1000)
    # The same refund asked again, on this run or the next one, is the same refund.
    assert (await steering.refund(handle.id, refund, WAIT)).done
    await closed(later)
    assert (await steering.refund(handle.id, refund, WAIT)).done
    assert (await row(sessions, handle.id)).amount_refunded == 1000
    assert await audited(sessions, settings, temporal, handle.id) == []


async def test_refunds_racing_a_runs_close_are_neither_lost_nor_doubled(
    payments: Payments,
    steering: PaymentSteering,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
) -> None:
    """Refunds sent around the moment each run closes (1 s idle) land on the closing run or
    on the next one, each exactly once."""
    handle = await payments.start(APPROVED, amount=2000, idle_close_seconds=1)
    await handle.result()
    refunds = [RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=100) for _ in range(12)]
    for index, refund in enumerate(refunds):
        await asyncio.sleep(0.8 + 0.05 * index)  # sweeps across the 1 s boundary
        # Sent twice at once: the update id is the refund id, whichever run takes it.
        done = await asyncio.gather(
            steering.refund(handle.id, refund, WAIT), steering.refund(handle.id, refund, WAIT)
        )
        assert [answer.done for answer in done] == [True, True]
    payment = await row(sessions, handle.id)
    assert payment.amount_refunded == 1200
    assert (await event_types(sessions, handle.id)).count("payment.refunded") == 12
    ledger = [e for e in await payments.ledger(handle.id) if e["operation"] == "refund"]
    assert len(ledger) == 12
    assert await audited(sessions, settings, temporal, handle.id) == []


async def test_a_refund_long_after_capture_follows_the_rows_window(
    payments: Payments, steering: PaymentSteering, sessions: SessionFactory, settings: Settings
) -> None:
    handle = await payments.start(APPROVED, amount=1500)
    await handle.result()
    window = timedelta(seconds=settings.payments.refund_window_seconds)
    await captured_ago(sessions, handle.id, window - timedelta(days=1))
    refund = RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=500)
    assert (await steering.refund(handle.id, refund, WAIT)).done
    assert (await row(sessions, handle.id)).amount_refunded == 500

    await captured_ago(sessions, handle.id, window + timedelta(days=1))
    late = RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=500)
    with pytest.raises(StateConflict) as refused:
        await steering.refund(handle.id, late, WAIT)
    assert refused.value.code == "payment_not_refundable"


async def captured_ago(sessions: SessionFactory, payment_id: str, age: timedelta) -> None:
    async with sessions.begin() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        payment.captured_at = datetime.now(UTC) - age


async def test_cancel_from_temporal_voids_an_authorization(
    payments: Payments, sessions: SessionFactory, settings: Settings, temporal: Client
) -> None:
    pending = await payments.start(APPROVED, capture_method=CaptureMethod.MANUAL, **STAYS_OPEN)
    await pending.cancel()  # while authorizing, or just after
    authorized = await payments.start(APPROVED, capture_method=CaptureMethod.MANUAL, **STAYS_OPEN)
    await until_status(authorized, "authorized")
    await authorized.cancel()
    for handle in (pending, authorized):
        assert await closed(handle) is WorkflowExecutionStatus.CANCELED
        assert (await row(sessions, handle.id)).status == "canceled"
        assert (await event_types(sessions, handle.id))[-1] == "payment.canceled"
    assert await audited(sessions, settings, temporal, pending.id, authorized.id) == []


@pytest.mark.parametrize("refunded_first", [0, 700])
async def test_cancel_from_temporal_refunds_what_remains_of_a_capture(
    refunded_first: int,
    payments: Payments,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
) -> None:
    """Captured (and partially refunded): the UI's "Request Cancellation" once ended the run
    CANCELED with the row still captured and every later refund refused."""
    handle = await payments.start(APPROVED, amount=2000, **STAYS_OPEN)
    await until_status(handle, "captured")
    if refunded_first:
        refund = RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=refunded_first)
        await handle.execute_update(PaymentWorkflow.refund, refund)
    await handle.cancel()
    assert await closed(handle) is WorkflowExecutionStatus.CANCELED
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_refunded) == ("refunded", 2000)
    assert (await event_types(sessions, handle.id))[-1] == "payment.refunded"
    assert await audited(sessions, settings, temporal, handle.id) == []


async def test_cancel_from_temporal_of_a_failed_payment_is_refused_and_recorded(
    payments: Payments, sessions: SessionFactory, settings: Settings, temporal: Client
) -> None:
    handle = await payments.start(DECLINED, **STAYS_OPEN)
    await until_status(handle, "failed")
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()  # failed, as the payment did: not cancelled
    assert (await event_types(sessions, handle.id))[-1] == "payment.cancel_refused"
    assert (await row(sessions, handle.id)).status == "failed"
    assert await audited(sessions, settings, temporal, handle.id) == []


async def repaired(stack: Stack, payment_id: str) -> str:
    """What `payment-saga payments reconcile --repair` did for the payment."""
    report = await asyncio.to_thread(
        cli, stack, "payments", "reconcile", "--older-than", "0s", "--repair"
    )
    action: str = next(r for r in report if r["id"] == payment_id)["action"]
    return action


@pytest.mark.parametrize("then", ["capture", "cancel", "expiry"])
async def test_terminate_then_repair(
    stack: Stack,
    payments: Payments,
    steering: PaymentSteering,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
    gateway_http: httpx.AsyncClient,
    then: str,
) -> None:
    """A repaired run once could not void: a cancel answered 200 and the hold stayed, and
    expiry released nothing (issue #26, item 2). It carries the void the first run had."""
    if then == "expiry":  # the processor releases holds after 3 s, and says so
        await gateway_http.put("/v1/admin/faults", json={"hold_seconds": 3})
    try:
        handle = await payments.start(APPROVED, capture_method=CaptureMethod.MANUAL)
        await until_status(handle, "authorized")
    finally:
        await gateway_http.put("/v1/admin/faults", json={})
    await handle.terminate("an operator's mistake")
    assert await violations(sessions, settings, temporal, handle.id) != []  # nothing drives it

    assert await repaired(stack, handle.id) == "new run started from the row"
    later = temporal.get_workflow_handle_for(PaymentWorkflow.run, handle.id)
    if then == "capture":
        assert (await steering.capture(handle.id, None, WAIT)).done  # the new run waits for it
    elif then == "cancel":
        assert (await steering.cancel(handle.id, "order gone", WAIT)).done
    await closed(later)
    expected = {"capture": "captured", "cancel": "canceled", "expiry": "canceled"}[then]
    assert (await row(sessions, handle.id)).status == expected
    operations = [e["operation"] for e in await payments.ledger(handle.id)]
    assert (
        operations
        == {
            "capture": ["authorize", "capture"],
            "cancel": ["authorize", "void"],
            "expiry": ["authorize", "expire"],  # released by the processor, its void refused
        }[then]
    )
    assert await audited(sessions, settings, temporal, handle.id) == []


async def test_reset_then_repair(
    stack: Stack,
    payments: Payments,
    sessions: SessionFactory,
    settings: Settings,
    temporal: Client,
) -> None:
    """A reset to the first workflow task runs the payment again from its input: the gateway
    answers each step from its idempotency key, but the run's ledger misses the refund."""
    handle = await payments.start(APPROVED, amount=2000, **STAYS_OPEN)
    await until_status(handle, "captured")
    refund = RefundRequest(refund_id=f"re_{uuid.uuid4().hex}", amount=500)
    await handle.execute_update(PaymentWorkflow.refund, refund)
    await reset_to_first_task(temporal, handle)
    reset = temporal.get_workflow_handle_for(PaymentWorkflow.run, handle.id)
    await until_status(reset, "captured")
    assert await violations(sessions, settings, temporal, handle.id) != []  # run and row disagree

    assert await repaired(stack, handle.id) == "new run started from the row"
    assert (await until_status(reset, "partially_refunded")).amount_refunded == 500
    assert await audited(sessions, settings, temporal, handle.id) == []
    ledger = [e["operation"] for e in await payments.ledger(handle.id)]
    assert (ledger.count("authorize"), ledger.count("capture")) == (1, 1)


async def reset_to_first_task(temporal: Client, handle: WorkflowHandle[Any, Any]) -> None:
    history = await handle.fetch_history()
    first_task = next(
        event.event_id
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    try:
        await temporal.workflow_service.reset_workflow_execution(
            ResetWorkflowExecutionRequest(
                namespace=temporal.namespace,
                workflow_execution=WorkflowExecution(workflow_id=handle.id),
                reason="test: reset to the first workflow task",
                workflow_task_finish_event_id=first_task,
                request_id=str(uuid.uuid4()),
            )
        )
    except RPCError as error:
        raise AssertionError(f"reset refused: {error}") from error
