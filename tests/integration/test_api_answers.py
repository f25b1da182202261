"""The API answers a create or an update from what the workflow returned (the payment as the
step that last changed it committed it), not from a second read of the row (#28, point 5);
and that answer is what a GET then reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.commands import PaymentCommands
from api.queries import PaymentQueries
from api.schemas import PaymentCreate
from payment_saga.config import Settings
from payment_saga.connections import card_fingerprints
from payment_saga.db.session import SessionFactory
from payment_saga.db.views import PaymentOut, RefundOut
from payment_saga.domain.messages import RefundRequest
from payment_saga.processors.registry import open_gateways
from payment_saga.steering.payments import PaymentSteering

ACCOUNT = "acct_default"


class CountedReads(PaymentQueries):
    """The API's reads, counted."""

    payment_reads = 0
    refund_reads = 0

    async def payment(self, account_id: str, payment_id: str) -> PaymentOut:
        self.payment_reads += 1
        return await super().payment(account_id, payment_id)

    async def refund(self, account_id: str, refund_id: str, payment_id: str | None = None) -> Any:
        self.refund_reads += 1
        return await super().refund(account_id, refund_id, payment_id)


@pytest.fixture
async def api_parts(
    settings: Settings, sessions: SessionFactory, steering: PaymentSteering
) -> AsyncIterator[tuple[PaymentCommands, CountedReads]]:
    reads = CountedReads(settings, sessions)
    async with open_gateways(settings) as gateways:
        fingerprints = card_fingerprints(settings)
        yield PaymentCommands(settings, steering, sessions, gateways, reads, fingerprints), reads


def body(capture_method: str) -> PaymentCreate:
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    return PaymentCreate.model_validate(
        {
            "order_id": f"ord_{uuid.uuid4().hex[:12]}",
            "amount": 5000,
            "currency": "USD",
            "capture_method": capture_method,
            "payment_method": {"type": "card", "card": card},
        }
    )


async def test_a_waited_create_answers_from_the_workflow_without_reading_the_row(
    api_parts: tuple[PaymentCommands, CountedReads],
) -> None:
    commands, reads = api_parts
    payment_id = f"pay_{uuid.uuid4().hex}"

    status, answer = await commands.create(ACCOUNT, payment_id, body("automatic"), 20)

    assert (status, reads.payment_reads) == (201, 0)
    assert isinstance(answer, PaymentOut)
    assert answer.status == "captured"
    assert answer == await reads.payment(ACCOUNT, payment_id)  # what a GET reads


async def test_capture_refund_and_cancel_answer_from_the_workflow(
    api_parts: tuple[PaymentCommands, CountedReads],
) -> None:
    commands, reads = api_parts
    payment_id = f"pay_{uuid.uuid4().hex}"
    await commands.create(ACCOUNT, payment_id, body("manual"), 20)

    reads.payment_reads = 0
    status, captured = await commands.capture(ACCOUNT, payment_id, 3000, 20)
    assert (status, reads.payment_reads) == (200, 1)  # the 404 check before, none after
    assert captured == await reads.payment(ACCOUNT, payment_id)
    assert isinstance(captured, PaymentOut)
    assert (captured.status, captured.amount_captured) == ("captured", 3000)

    refund_id = f"re_{uuid.uuid4().hex}"
    status, refunded = await commands.refund(
        ACCOUNT, payment_id, RefundRequest(refund_id, 1000), 20
    )
    assert (status, reads.refund_reads) == (201, 0)
    assert isinstance(refunded, RefundOut)
    assert refunded == await reads.refund(ACCOUNT, refund_id, payment_id)
    assert (refunded.status, refunded.amount) == ("succeeded", 1000)

    reads.payment_reads = 0
    status, canceled = await commands.cancel(ACCOUNT, payment_id, None, 20, None, True)
    assert (status, reads.payment_reads) == (200, 1)
    assert canceled == await reads.payment(ACCOUNT, payment_id)
    assert isinstance(canceled, PaymentOut)
    assert (canceled.status, canceled.amount_refunded) == ("refunded", 3000)
