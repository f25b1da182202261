"""Failover between processors: the route is the simulator, then Authorize.Net (its test
server). With the simulator down, the payment moves to Authorize.Net once the simulator is
proven not to have authorized; with the simulator only losing answers, it stays there, found by
lookup. Never two authorizations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import Client

from activities.payments import PaymentActivities
from devtools.stack.ports import free_port
from devtools.stack.stack import Stack
from payment_saga.config import RouteRule, Settings
from payment_saga.db.models import Payment, PaymentAttempt
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import CancelRequest, PaymentRequest, ProcessorToken
from payment_saga.domain.states import CaptureMethod
from payment_saga.processors.port import CardInput
from payment_saga.processors.registry import open_gateways
from payment_saga.processors.routing import Gateways
from tests.integration.conftest import Payments
from tests.integration.test_saga_steering import until_status
from worker import build_worker
from workflows.payment import PaymentWorkflow

CARD = CardInput("4111111111111111", 12, 2031, "123")


@pytest.fixture(scope="module")
async def routed(
    settings: Settings, sessions: SessionFactory, temporal: Client
) -> AsyncIterator[tuple[Settings, Gateways]]:
    """A worker whose payments go to the simulator first, then Authorize.Net."""
    routed = settings.model_copy(deep=True)
    routed.gateway.routes = [RouteRule(processors=["simulator", "authorizenet"])]
    routed.gateway.failover_after_failures = 2
    routed.authorizenet.port, routed.authorizenet.api_base = free_port(), None
    routed.temporal.task_queue = f"routed-{uuid.uuid4().hex[:8]}"
    server = Stack(routed)
    try:
        await server.start_authorizenet()
        async with open_gateways(routed) as gateways:
            activities = PaymentActivities(
                sessions, gateways, temporal_ui_url="http://ui", namespace="default"
            )
            async with build_worker(routed, temporal, activities):
                yield routed, gateways
    finally:
        server.stop()


@pytest.fixture
async def simulator_faults(gateway_http: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    yield gateway_http
    await gateway_http.put("/v1/admin/faults", json={})


async def routed_request(payments: Payments, gateways: Gateways) -> PaymentRequest:
    """The card tokenized at both processors, as the API does for a route of two."""
    base = await payments.request(CARD.number)
    tokens = [ProcessorToken(kind, (await gateways[kind].tokenize(CARD)).token)
              for kind in ("simulator", "authorizenet")]  # fmt: skip
    return replace(base, card_token=tokens[0].token, route=tokens)


async def start(
    payments: Payments, routed: tuple[Settings, Gateways], request: PaymentRequest
) -> Any:
    settings = routed[0]
    handle = await payments.start_run(request, settings.temporal.task_queue)
    return handle


async def attempts(sessions: SessionFactory, payment_id: str) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(PaymentAttempt.operation, PaymentAttempt.processor)
            .where(PaymentAttempt.payment_id == payment_id)
            .order_by(PaymentAttempt.id)
        )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def anet_ledger(routed: tuple[Settings, Gateways], reference: str) -> list[str]:
    async with httpx.AsyncClient(base_url=routed[0].authorizenet.base_url()) as http:
        entries = (await http.get("/_fake/ledger", params={"authorization": reference})).json()
    return [entry["operation"] for entry in entries["entries"]]


async def test_a_processor_that_is_down_hands_the_payment_to_the_next(
    payments: Payments,
    routed: tuple[Settings, Gateways],
    simulator_faults: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    request = await routed_request(payments, routed[1])
    await simulator_faults.put("/v1/admin/faults", json={"outage": True})
    handle = await start(payments, routed, request)
    assert (await handle.result()).status == "captured"

    async with sessions() as session:
        payment = await session.get(Payment, request.payment_id)
        assert payment is not None
    assert (payment.processor, payment.amount_captured) == ("authorizenet", 2500)
    assert await payments.ledger(request.payment_id) == []  # the simulator authorized nothing
    assert payment.gateway_reference is not None
    assert await anet_ledger(routed, payment.gateway_reference) == ["authorize", "capture"]
    tried = await attempts(sessions, request.payment_id)
    assert ("failover", "simulator") in tried
    assert tried[-2:] == [("authorize", "authorizenet"), ("capture", "authorizenet")]


async def test_a_processor_that_loses_answers_keeps_the_payment(
    payments: Payments,
    routed: tuple[Settings, Gateways],
    simulator_faults: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    """Answers lost (applied, then a 504): the lookup finds the authorization; no failover."""
    request = await routed_request(payments, routed[1])
    await simulator_faults.put("/v1/admin/faults", json={"lost_response_rate": 1.0})
    handle = await start(payments, routed, request)
    result = await handle.result()
    await simulator_faults.put("/v1/admin/faults", json={})

    assert result.status == "captured"
    operations = [entry["operation"] for entry in await payments.ledger(request.payment_id)]
    assert operations == ["authorize", "capture"]
    async with sessions() as session:
        payment = await session.get(Payment, request.payment_id)
        assert payment is not None
    assert payment.processor == "simulator"
    assert "failover" not in [
        operation for operation, _ in await attempts(sessions, request.payment_id)
    ]


@pytest.fixture(scope="module")
async def stripe_first(
    settings: Settings, sessions: SessionFactory, temporal: Client
) -> AsyncIterator[tuple[Settings, Gateways]]:
    """A worker whose payments go to Stripe (its test server) first, then the simulator."""
    routed = settings.model_copy(deep=True)
    routed.gateway.routes = [RouteRule(processors=["stripe", "simulator"])]
    routed.gateway.failover_after_failures = 2
    routed.stripe.port, routed.stripe.mock_port = free_port(), free_port()
    routed.stripe.api_base = None
    routed.temporal.task_queue = f"stripe-first-{uuid.uuid4().hex[:8]}"
    server = Stack(routed)
    try:
        await server.start_stripe()
        async with open_gateways(routed) as gateways:
            activities = PaymentActivities(
                sessions, gateways, temporal_ui_url="http://ui", namespace="default"
            )
            async with build_worker(routed, temporal, activities):
                yield routed, gateways
    finally:
        server.stop()


async def test_an_eventually_consistent_processor_is_never_left_on_a_miss(
    payments: Payments, stripe_first: tuple[Settings, Gateways], sessions: SessionFactory
) -> None:
    """Stripe applies the authorize and answers 500 (indeterminate), to every retry of the key,
    and its Search shows the PaymentIntent only seconds later. 500s once counted as "nothing
    applied": the payment failed over and the simulator authorized it too, two holds
    (issue #26, item 3). It stays on Stripe until a lookup finds the one authorization."""
    settings, gateways = stripe_first
    async with httpx.AsyncClient(base_url=settings.stripe.base_url()) as stripe_http:
        faults = {"fail_after_applying": 1, "search_lag_seconds": 6}
        (await stripe_http.put("/_fake/faults", json=faults)).raise_for_status()
        try:
            base = await payments.request(CARD.number)
            simulated = await gateways["simulator"].tokenize(CARD)
            tokens = [
                ProcessorToken("stripe", "pm_card_visa"),
                ProcessorToken("simulator", simulated.token),
            ]
            request = replace(base, card_token="pm_card_visa", route=tokens)
            handle = await start(payments, stripe_first, request)
            result = await asyncio.wait_for(handle.result(), timeout=120)
            ledger = await stripe_http.get("/_fake/ledger", params={"key_prefix": handle.id})
        finally:
            await stripe_http.put("/_fake/faults", json={})

    assert result.status == "captured"
    assert [e["operation"] for e in ledger.json()["entries"]] == ["authorize", "capture"]
    assert await payments.ledger(request.payment_id) == []  # the simulator authorized nothing
    async with sessions() as session:
        payment = await session.get(Payment, request.payment_id)
    assert payment is not None and payment.processor == "stripe"


async def test_a_void_after_failover_looks_at_every_processor_tried(
    payments: Payments,
    routed: tuple[Settings, Gateways],
    simulator_faults: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    """A compensation voids at every processor that may hold an authorization, not only the
    one the payment ended on (issue #26, item 3); one whose every attempt was refused unsent
    holds nothing and is not asked (so a processor still down cannot hold up the void)."""
    request = replace(
        await routed_request(payments, routed[1]), capture_method=CaptureMethod.MANUAL
    )
    await simulator_faults.put("/v1/admin/faults", json={"outage": True})
    handle = await start(payments, routed, request)
    await until_status(handle, "authorized")
    await simulator_faults.put("/v1/admin/faults", json={})
    asked_before = await payments.lookups(request.payment_id)  # the authorize's own retries
    canceled = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest("order gone"))

    assert canceled.status == "canceled"
    async with sessions() as session:
        payment = await session.get(Payment, request.payment_id)
    assert payment is not None and payment.gateway_reference is not None
    assert await anet_ledger(routed, payment.gateway_reference) == ["authorize", "void"]
    assert await payments.lookups(request.payment_id) == asked_before
