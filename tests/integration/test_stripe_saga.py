"""Every saga path through the Stripe adapter, against Stripe's protocol server: stripe-mock
checks each request against Stripe's OpenAPI, stack/stripe_fake.py keeps the state. The worker
runs in-process on a task queue of its own; Postgres and Temporal are the stack's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError

from activities.payments import PaymentActivities
from db.models import Payment, PaymentAttempt
from db.session import SessionFactory
from domain.messages import CancelRequest, CaptureRequest, PaymentState, RefundRequest
from domain.states import CaptureMethod
from gateway.factory import open_gateway
from gateway.protocol import PaymentGateway
from settings import Settings
from stack.ports import free_port
from stack.stack import Stack
from tests.integration.conftest import Payments
from worker import build_worker
from workflows.payment import PaymentWorkflow

DECLINED = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds"),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", None),
    "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", None),
    "pm_card_chargeDeclinedProcessingError": ("processing_error", None),
    "pm_card_authenticationRequired": ("authentication_required", None),
}


@pytest.fixture(scope="module")
async def stripe_settings(settings: Settings) -> AsyncIterator[Settings]:
    """The stack's settings with GATEWAY_KIND=stripe, and a Stripe test server of its own."""
    stripe = settings.model_copy(deep=True)
    stripe.gateway.kind = "stripe"
    stripe.gateway.timeout_seconds = 2.0
    stripe.stripe.api_base = None
    stripe.stripe.port, stripe.stripe.mock_port = free_port(), free_port()
    stripe.temporal.task_queue = f"stripe-{uuid.uuid4().hex[:8]}"
    server = Stack(stripe)
    try:
        await server.start_stripe()
        yield stripe
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def stripe_gateway(
    stripe_settings: Settings, sessions: SessionFactory, temporal: Client
) -> AsyncIterator[PaymentGateway]:
    """A worker whose gateway is the Stripe adapter; the adapter, to tokenize for the tests."""
    async with open_gateway(stripe_settings) as gateway:
        activities = PaymentActivities(
            sessions, gateway, temporal_ui_url="http://ui", namespace="default"
        )
        async with build_worker(stripe_settings, temporal, activities):
            yield gateway


@pytest.fixture
async def stripe_http(stripe_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The test server's own endpoints: its ledger and faults (reset after each test)."""
    async with httpx.AsyncClient(base_url=stripe_settings.stripe.base_url()) as http:
        yield http
        await http.put("/_fake/faults", json={})


async def start(
    payments: Payments,
    gateway: PaymentGateway,
    settings: Settings,
    card: str,
    **overrides: Any,
) -> WorkflowHandle[PaymentWorkflow, Any]:
    request = await payments.request(card, gateway=gateway, **overrides)
    return await payments.temporal.start_workflow(
        PaymentWorkflow.run,
        request,
        id=request.payment_id,
        task_queue=settings.temporal.task_queue,
    )


async def applied(http: httpx.AsyncClient, payment_id: str) -> list[tuple[str, int]]:
    response = await http.get("/_fake/ledger", params={"key_prefix": payment_id})
    return [(e["operation"], e["amount"]) for e in response.json()["entries"]]


async def row(sessions: SessionFactory, payment_id: str) -> Payment:
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
    assert payment is not None
    return payment


async def test_a_card_number_is_authorized_and_captured(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    handle = await start(payments, stripe_gateway, stripe_settings, "4242424242424242", amount=1999)
    result: PaymentState = await handle.result()

    assert (result.status, result.amount_captured) == ("captured", 1999)
    payment = await row(sessions, handle.id)
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert payment.gateway_reference is not None
    assert payment.gateway_reference.startswith("pi_")
    assert await applied(stripe_http, handle.id) == [("authorize", 1999), ("capture", 1999)]


async def test_a_processor_token_pays_without_a_card_number(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    handle = await start(payments, stripe_gateway, stripe_settings, "pm_card_mastercard")
    assert (await handle.result()).status == "captured"
    payment = await row(sessions, handle.id)
    assert (payment.card_brand, payment.card_last4) == ("mastercard", "4444")
    assert await applied(stripe_http, handle.id) == [("authorize", 2500), ("capture", 2500)]


@pytest.mark.parametrize(("token", "expected"), DECLINED.items())
async def test_stripe_declines_fail_the_payment_with_our_codes(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
    token: str,
    expected: tuple[str, str | None],
) -> None:
    handle = await start(payments, stripe_gateway, stripe_settings, token)
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, ApplicationError)
    assert failed.value.cause.type == expected[0]
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.failure_code, payment.failure_decline_code) == (
        "failed",
        *expected,
    )
    assert await applied(stripe_http, handle.id) == []


async def test_partial_capture_then_partial_and_full_refunds(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    handle = await start(
        payments, stripe_gateway, stripe_settings, "pm_card_visa",
        amount=10000, capture_method=CaptureMethod.MANUAL,
    )  # fmt: skip
    captured = await handle.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=8000))
    assert (captured.status, captured.amount_captured) == ("captured", 8000)
    await handle.execute_update(
        PaymentWorkflow.refund, RefundRequest(refund_id=f"re_a{handle.id}", amount=3000)
    )
    with pytest.raises(WorkflowUpdateFailedError) as too_much:
        await handle.execute_update(
            PaymentWorkflow.refund, RefundRequest(refund_id=f"re_b{handle.id}", amount=5001)
        )
    assert isinstance(too_much.value.cause, ApplicationError)
    assert too_much.value.cause.type == "amount_exceeds_refundable"
    await handle.execute_update(PaymentWorkflow.refund, RefundRequest(refund_id=f"re_c{handle.id}"))

    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == (
        "refunded", 8000, 8000,
    )  # fmt: skip
    assert await applied(stripe_http, handle.id) == [
        ("authorize", 10000), ("capture", 8000), ("refund", 3000), ("refund", 5000),
    ]  # fmt: skip


async def test_a_canceled_authorization_is_voided(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    handle = await start(
        payments, stripe_gateway, stripe_settings, "pm_card_visa",
        capture_method=CaptureMethod.MANUAL,
    )  # fmt: skip
    canceled = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest("order gone"))
    assert canceled.status == "canceled"
    assert (await row(sessions, handle.id)).status == "canceled"
    assert await applied(stripe_http, handle.id) == [("authorize", 2500), ("void", 0)]


async def test_a_lost_authorize_answer_is_found_and_never_made_twice(
    payments: Payments,
    stripe_gateway: PaymentGateway,
    stripe_settings: Settings,
    stripe_http: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    """Stripe applies the authorize, its answer comes after the adapter's 2 s timeout: the
    retry looks the key up (search by metadata) and the payment goes on, authorized once."""
    await stripe_http.put("/_fake/faults", json={"lose_next": 1, "lost_seconds": 3})
    handle = await start(payments, stripe_gateway, stripe_settings, "pm_card_visa")
    assert (await handle.result()).status == "captured"
    assert await applied(stripe_http, handle.id) == [("authorize", 2500), ("capture", 2500)]
    async with sessions() as session:
        rows = await session.execute(
            select(PaymentAttempt.operation, PaymentAttempt.outcome).where(
                PaymentAttempt.payment_id == handle.id
            )
        )
        attempts = [tuple(r) for r in rows]
    assert ("authorize", "unknown") in attempts
    assert ("lookup", "succeeded") in attempts
