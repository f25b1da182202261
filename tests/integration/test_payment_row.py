"""The payments row has one writer: the create records it (PaymentSteering.start) before the
payment's run starts, and the run's steps only change it (#28, point 5)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

from sqlalchemy import delete, func, select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client

from payment_saga.config import Settings
from payment_saga.db.models import Payment, PaymentAttempt
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory
from payment_saga.steering.payments import PaymentSteering
from tests.integration.conftest import Payments
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


async def stored(sessions: SessionFactory, payment_id: str) -> Payment | None:
    async with sessions() as session:
        return await PaymentRepository(session).get(payment_id)


async def test_the_row_is_there_once_the_create_is_accepted_with_no_worker_yet(
    payments: Payments, sessions: SessionFactory, temporal: Client, settings: Settings
) -> None:
    """A 202 with no worker polling (they lag, or are all down): a GET finds the payment,
    since the create wrote the row, not a step that has not run."""
    idle_queue = f"no-worker-{uuid.uuid4().hex[:8]}"
    steering = PaymentSteering(temporal, idle_queue, sessions, settings.payments)
    request = await payments.request("4242424242424242")

    outcome_known = await steering.start(request, 2, for_outcome=False)

    try:
        assert outcome_known.done is False
        payment = await stored(sessions, request.payment_id)
        assert payment is not None
        assert (payment.status, payment.amount, payment.card_token) == (
            "pending", 2500, request.card_token
        )  # fmt: skip
    finally:
        await forget(temporal, sessions, request.payment_id)


async def forget(temporal: Client, sessions: SessionFactory, payment_id: str) -> None:
    """Delete the run and the row: a run that never had a worker replays with any code, so
    left listed it would pass the replay gate's planted change (test_replay_gate.py)."""
    execution = WorkflowExecution(workflow_id=payment_id)
    await temporal.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(namespace=temporal.namespace, workflow_execution=execution)
    )
    async with sessions.begin() as session:
        await session.execute(delete(Payment).where(Payment.id == payment_id))


async def test_a_create_retried_after_its_row_was_written_runs_with_the_rows_tokens(
    payments: Payments, sessions: SessionFactory, steering: PaymentSteering
) -> None:
    """The first try wrote the row, then met a 503 (or its API process died) before the
    start. The retry tokenizes the card again, but the payment's keys must go out with what
    the row holds: a later run authorizes from the row, and Stripe refuses a key reused
    with other parameters. Here the retry's token is a declining card's, so a run that took
    it would fail."""
    first = await payments.request("4242424242424242")
    async with sessions.begin() as session:
        await PaymentRepository(session).add_if_missing(first, "simulator")
    declining = await payments.request("4000000000000002")
    retry = replace(first, card_token=declining.card_token, card=declining.card)

    assert (await steering.start(retry, 20, for_outcome=True, default_processor="simulator")).done

    payment = await stored(sessions, first.payment_id)
    assert payment is not None
    assert (payment.status, payment.card_token) == ("captured", first.card_token)


async def test_a_run_begun_before_its_row_waits_for_it(
    payments: Payments, sessions: SessionFactory, temporal: Client, settings: Settings
) -> None:
    """A run started without its row (by an API of the release before, which wrote the row
    only after the start) calls no processor until the row is there, then goes on."""
    request = await payments.request("4242424242424242")
    handle = await temporal.start_workflow(
        PaymentWorkflow.run,
        request,
        id=request.payment_id,
        task_queue=settings.temporal.task_queue,
    )
    await asyncio.sleep(1.5)  # the step has been tried, and is retried at 3 s
    async with sessions() as session:
        calls = await session.scalar(
            select(func.count()).where(PaymentAttempt.payment_id == request.payment_id)
        )
    assert calls == 0
    assert await stored(sessions, request.payment_id) is None

    async with sessions.begin() as session:
        await PaymentRepository(session).add_if_missing(request, "simulator")
    await until_status(handle, "captured")
