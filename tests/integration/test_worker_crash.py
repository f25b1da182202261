"""A worker SIGKILLed between authorize and capture: the restarted worker finishes the payment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from devtools.stack.stack import Stack
from payment_saga.db.models import Payment
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import PaymentState
from tests.integration.conftest import Payments
from tests.integration.test_saga_cards import event_types, operations


@pytest.fixture
async def slow_gateway(gateway_http: httpx.AsyncClient) -> AsyncIterator[None]:
    # Slow enough that the capture is in flight when the worker dies.
    (await gateway_http.put("/v1/admin/faults", json={"latency_ms": 1500})).raise_for_status()
    yield
    (await gateway_http.put("/v1/admin/faults", json={})).raise_for_status()


@pytest.mark.usefixtures("slow_gateway")
async def test_sigkilled_worker_mid_payment_charges_once(
    stack: Stack, payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4242424242424242", amount=4200, refund_window_seconds=1)
    for _ in range(200):
        async with sessions() as session:
            payment = await session.get(Payment, handle.id)
        if payment is not None and payment.status == "authorized":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the payment was never authorized")

    worker = stack.processes["worker"]
    worker.kill()
    worker.start()
    result: PaymentState = await asyncio.wait_for(handle.result(), timeout=120)

    assert (result.status, result.amount_captured) == ("captured", 4200)
    assert await operations(payments, handle.id) == ["authorize", "capture"]
    assert await event_types(sessions, handle.id) == ["payment.authorized", "payment.succeeded"]
