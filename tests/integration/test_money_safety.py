"""Against the real stack: a cancel while authorizing, and an error retrying cannot fix."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from temporalio.client import WorkflowFailureError

from api.idempotency import IdempotencyStore
from payment_saga.config import Settings
from payment_saga.db.models import IdempotencyRecord
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import CancelRequest
from payment_saga.domain.states import CaptureMethod
from tests.integration.conftest import Payments
from tests.integration.test_saga_cards import event_types, operations, row
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


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


async def test_expired_idempotency_rows_are_purged_and_a_released_key_keeps_its_ids(
    sessions: SessionFactory,
) -> None:
    store = IdempotencyStore(sessions, ttl=timedelta(hours=1), lock=timedelta(seconds=60))
    key_id, key = "key_purge", f"k-{uuid.uuid4().hex}"
    first = await store.claim(key_id, key, "hash")
    # A failure on our side frees the key; the retry must reach the same ids, not new ones.
    await store.release(key_id, key)
    retried = await store.claim(key_id, key, "hash")
    assert retried.replay is None and retried.generation == first.generation

    async with sessions.begin() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await store.purge_expired() >= 1
    async with sessions() as session:
        assert await session.get(IdempotencyRecord, (key_id, key)) is None
    fresh = await store.claim(key_id, key, "hash")
    assert fresh.generation != first.generation  # a new request: ids of its own
