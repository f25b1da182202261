"""Clients onto the running stack, and a helper that starts one payment the way the API will."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from temporalio.client import Client, WorkflowHandle

from payment_saga.config import Settings, as_environment
from payment_saga.connections import connect_temporal, kafka_options
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import PaymentRequest
from payment_saga.domain.states import CaptureMethod
from payment_saga.processors.port import CardInput, PaymentGateway
from payment_saga.processors.simulator.adapter import SimulatorGateway
from payment_saga.steering.payments import PaymentSteering
from workflows.payment import PaymentWorkflow


@pytest.fixture(scope="session")
async def temporal(settings: Settings) -> Client:
    return await connect_temporal(settings)


@dataclass
class Payments:
    """Starts payments as the API does: tokenize at the edge, record the payment's row, then
    start the workflow."""

    settings: Settings
    temporal: Client
    gateway_http: httpx.AsyncClient
    sessions: SessionFactory

    async def start(
        self,
        card_number: str,
        *,
        amount: int = 2500,
        currency: str = "USD",
        capture_method: CaptureMethod = CaptureMethod.AUTOMATIC,
        order_id: str | None = None,
        **overrides: Any,
    ) -> WorkflowHandle[PaymentWorkflow, Any]:
        request = await self.request(
            card_number,
            amount=amount,
            currency=currency,
            capture_method=capture_method,
            order_id=order_id,
            **overrides,
        )
        return await self.start_run(request)

    async def start_run(
        self,
        request: PaymentRequest,
        task_queue: str | None = None,
        client: Client | None = None,
        processor: str = "simulator",
    ) -> WorkflowHandle[PaymentWorkflow, Any]:
        """The payment's row, then its run (on the stack's queue unless another is given), as
        PaymentSteering.start records and starts. `processor`: the worker's GATEWAY_KIND."""
        async with self.sessions.begin() as session:
            await PaymentRepository(session).add_if_missing(request, processor)
        return await (client or self.temporal).start_workflow(
            PaymentWorkflow.run,
            request,
            id=request.payment_id,
            task_queue=task_queue or self.settings.temporal.task_queue,
        )

    async def request(
        self,
        card_number: str,
        *,
        amount: int = 2500,
        currency: str = "USD",
        capture_method: CaptureMethod = CaptureMethod.AUTOMATIC,
        order_id: str | None = None,
        gateway: PaymentGateway | None = None,
        **overrides: Any,
    ) -> PaymentRequest:
        """A tokenized, accepted payment, as the API hands it to the workflow: a card number
        tokenized (by the simulator unless another gateway is given), or a processor's token."""
        gateway = gateway or SimulatorGateway(self.gateway_http)
        cvc = "1234" if card_number.startswith(("34", "37")) else "123"
        if card_number.isdigit():
            card = CardInput(number=card_number, exp_month=12, exp_year=2030, cvc=cvc)
            token = await gateway.tokenize(card)
        else:
            token = await gateway.describe(card_number)
        return PaymentRequest(
            payment_id=f"pay_{uuid.uuid4().hex}",
            order_id=order_id or f"ord_{uuid.uuid4().hex[:12]}",
            amount=amount,
            currency=currency,
            card_token=token.token,
            card=token.card,
            capture_method=capture_method,
            **{"idle_close_seconds": self.settings.payments.idle_close_seconds, **overrides},
        )

    async def ledger(self, payment_id: str) -> list[dict[str, Any]]:
        response = await self.gateway_http.get("/v1/ledger", params={"key_prefix": payment_id})
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    async def lookups(self, payment_id: str) -> list[str]:
        response = await self.gateway_http.get("/v1/ledger", params={"key_prefix": payment_id})
        lookups: list[str] = response.json()["lookups"]
        return lookups


@pytest.fixture
def steering(temporal: Client, settings: Settings, sessions: SessionFactory) -> PaymentSteering:
    return PaymentSteering(temporal, settings.temporal.task_queue, sessions, settings.payments)


@pytest.fixture(scope="session")
def payments(
    settings: Settings, temporal: Client, gateway_http: httpx.AsyncClient, sessions: SessionFactory
) -> Payments:
    return Payments(settings, temporal, gateway_http, sessions)


@pytest.fixture
async def topic(settings: Settings) -> AsyncIterator[Settings]:
    """The stack's Kafka with a topic of the test's own (and its dead-letter topic)."""
    own = settings.model_copy(deep=True)
    own.kafka.topic = f"test-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**kafka_options(own.kafka))
    await admin.start()
    names = [own.kafka.topic, f"{own.kafka.topic}.dead-letters"]
    try:
        await admin.create_topics([NewTopic(name, own.kafka.partitions, 1) for name in names])
        yield own
        await admin.delete_topics(names)
    finally:
        await admin.close()


def run_cli(settings: Settings, *words: str) -> subprocess.CompletedProcess[str]:
    """`payment-saga ...` as an operator runs it: a process configured by environment only."""
    env = {**os.environ, **as_environment(settings)}
    command = [sys.executable, "-m", "payment_saga.ops.cli.main", *words]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
