"""Canceling a captured payment refunds it, so the run refuses it for a caller without the
refund scope: the edge checks the row, the run checks its own state (a capture may land in
between), issue #27 item 1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from payment_saga.domain.messages import CancelRequest
from payment_saga.domain.states import PaymentStatus
from tests.unit.test_later_runs import row
from tests.unit.test_unclear_outcomes import rejection
from tests.unit.workflow_fakes import FakeGateway, request, start, start_env, worker_for
from workflows.payment import PaymentWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async for environment in start_env():
        yield environment


async def test_a_cancel_that_would_refund_needs_the_refund_scope(env: WorkflowEnvironment) -> None:
    stored = row(PaymentStatus.CAPTURED, amount_captured=1000)
    fake = FakeGateway(env, stored=stored)
    async with worker_for(env, fake):
        handle = await start(env, fake, request(resume=True, idle_close_seconds=30))
        refused = handle.execute_update(
            PaymentWorkflow.cancel, CancelRequest("gone", refunds_allowed=False)
        )
        assert await rejection(refused) == "missing_scope"
        state = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest("gone"))
    assert state.amount_refunded == 1000
    assert fake.calls == ["load_payment", "refund"]
