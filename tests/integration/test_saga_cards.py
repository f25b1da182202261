"""Every documented test card, driven to its end state through the real stack."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from payment_saga.db.models import OutboxEvent, Payment, PaymentAttempt
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import PaymentState
from tests.integration.conftest import Payments

APPROVED = ["4242424242424242", "4111111111111111", "5555555555554444", "378282246310005"]
DECLINED = {
    "4000000000000002": ("card_declined", "generic_decline"),
    "4000000000009995": ("card_declined", "insufficient_funds"),
    "4000000000000069": ("expired_card", None),
    "4000000000000127": ("incorrect_cvc", None),
}
# The workflow stays open for refunds; a short window lets these tests read its result.
SHORT_WINDOW: dict[str, Any] = {"refund_window_seconds": 1}


async def row(sessions: SessionFactory, payment_id: str) -> Payment:
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        return payment


async def event_types(sessions: SessionFactory, payment_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent).where(OutboxEvent.payment_id == payment_id).order_by(OutboxEvent.id)
        )
        events = rows.scalars().all()
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    return [e.type for e in events]


async def operations(payments: Payments, payment_id: str) -> list[str]:
    return [entry["operation"] for entry in await payments.ledger(payment_id)]


async def failure_of(handle: WorkflowHandle[Any, Any]) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as caught:
        await handle.result()
    assert isinstance(caught.value.cause, ApplicationError)
    return caught.value.cause


@pytest.mark.parametrize("card", APPROVED)
async def test_approved_card_is_authorized_and_captured(
    payments: Payments, sessions: SessionFactory, card: str
) -> None:
    handle = await payments.start(card, amount=1999, **SHORT_WINDOW)
    result: PaymentState = await handle.result()

    assert (result.status, result.amount_captured) == ("captured", 1999)
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.amount_authorized, payment.amount_captured) == (
        "captured", 1999, 1999,
    )  # fmt: skip
    assert payment.card_last4 == card[-4:]
    assert await operations(payments, handle.id) == ["authorize", "capture"]
    assert await event_types(sessions, handle.id) == ["payment.authorized", "payment.succeeded"]


@pytest.mark.parametrize(("card", "expected"), DECLINED.items())
async def test_declined_card_fails_without_touching_funds(
    payments: Payments, sessions: SessionFactory, card: str, expected: tuple[str, str | None]
) -> None:
    handle = await payments.start(card)
    error = await failure_of(handle)

    assert error.type == expected[0]
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.failure_code, payment.failure_decline_code) == (
        "failed", *expected,
    )  # fmt: skip
    assert payment.amount_authorized == 0
    assert await operations(payments, handle.id) == []
    assert await event_types(sessions, handle.id) == ["payment.failed"]


async def test_transient_processing_errors_are_retried(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4000000000000119", **SHORT_WINDOW)
    result: PaymentState = await handle.result()

    assert result.status == "captured"
    async with sessions() as session:
        rows = await session.execute(
            select(PaymentAttempt.outcome)
            .where(PaymentAttempt.payment_id == handle.id, PaymentAttempt.operation == "authorize")
            .order_by(PaymentAttempt.id)
        )
    assert list(rows.scalars()) == ["error", "error", "succeeded"]
    assert await operations(payments, handle.id) == ["authorize", "capture"]


async def test_refused_capture_voids_the_authorization(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4000000000000259")
    error = await failure_of(handle)

    assert error.type == "capture_failed"
    payment = await row(sessions, handle.id)
    assert (payment.status, payment.failure_code) == ("failed", "capture_failed")
    assert payment.amount_captured == 0
    assert await operations(payments, handle.id) == ["authorize", "void"]
    assert await event_types(sessions, handle.id) == ["payment.authorized", "payment.failed"]


async def test_lost_authorize_response_is_reconciled_by_lookup(
    payments: Payments, sessions: SessionFactory
) -> None:
    handle = await payments.start("4000000000000341", **SHORT_WINDOW)
    result: PaymentState = await handle.result()

    assert result.status == "captured"
    assert await operations(payments, handle.id) == ["authorize", "capture"]
    assert f"{handle.id}:authorize" in await payments.lookups(handle.id)
    assert await event_types(sessions, handle.id) == ["payment.authorized", "payment.succeeded"]
