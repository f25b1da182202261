"""Against the real stack: a cancel while authorizing, and an error retrying cannot fix."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import WorkflowFailureError

from db.session import SessionFactory
from domain.messages import CancelRequest
from domain.states import CaptureMethod
from settings import Settings
from tests.integration.conftest import Payments
from tests.integration.test_saga_cards import event_types, operations, row
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


@pytest.fixture
async def slow_gateway(gateway_http: httpx.AsyncClient) -> AsyncIterator[None]:
    await gateway_http.put("/v1/admin/faults", json={"latency_ms": 3000})
    try:
        yield
    finally:
        await gateway_http.put("/v1/admin/faults", json={})


@pytest.mark.usefixtures("slow_gateway")
async def test_cancel_while_authorizing_voids_what_landed(
    payments: Payments, sessions: SessionFactory
) -> None:
    """An operator's cancel during authorize once skipped the void: the hold stayed open."""
    handle = await payments.start("4242424242424242", capture_method=CaptureMethod.MANUAL)
    await asyncio.sleep(1.0)  # the authorize request is at the (slow) gateway
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()

    assert await operations(payments, handle.id) == ["authorize", "void"]
    assert (await row(sessions, handle.id)).status == "canceled"
    # Authorized (when the step finished before the cancel was seen), then canceled.
    events = await event_types(sessions, handle.id)
    assert events in (["payment.canceled"], ["payment.authorized", "payment.canceled"])


async def metric(settings: Settings, name: str) -> float:
    async with httpx.AsyncClient() as client:
        url = f"http://{settings.worker.metrics_host}:{settings.worker.metrics_port}/metrics"
        text = (await client.get(url)).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name + "{") or line.startswith(name + " ")
    )


async def test_error_retrying_cannot_fix_ends_the_step(
    payments: Payments, sessions: SessionFactory, settings: Settings
) -> None:
    """A reason longer than its column (sent past the API, straight to the workflow) once
    failed the refund's insert on every retry, forever, holding the payment's lock."""
    before = await metric(settings, "activity_unretryable_errors_total")
    handle = await payments.start("4242424242424242")
    await until_status(handle, "captured")

    state = await asyncio.wait_for(
        handle.execute_update(PaymentWorkflow.cancel, CancelRequest(reason="x" * 1000)),
        timeout=60,
    )
    assert (state.status, state.amount_refunded) == ("captured", 0)
    assert [r.status for r in state.refunds] == ["failed"]
    assert await operations(payments, handle.id) == ["authorize", "capture"]  # no money moved
    assert await metric(settings, "activity_unretryable_errors_total") > before

    # The lock is free: a cancel with a reason that fits goes through.
    state = await handle.execute_update(PaymentWorkflow.cancel, CancelRequest(reason="fits"))
    assert (state.status, state.amount_refunded) == ("refunded", 2500)
