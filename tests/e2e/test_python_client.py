"""The typed client as an order service uses it: pay, a decline, a refund, safe retries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from order_payments import CardDeclined, OrderPayments
from payment_saga_client.models import CardIn, PaymentStatus, RefundStatus

from devtools.stack.stack import Stack


def card(number: str) -> CardIn:
    return CardIn(number=number, exp_month=12, exp_year=2030, cvc="123")


@pytest.fixture
async def payments(stack: Stack) -> AsyncIterator[OrderPayments]:
    assert stack.dev_api_key is not None
    client = OrderPayments(stack.settings.api.base_url(), stack.dev_api_key)
    yield client
    await client.aclose()


async def test_pay_then_refund(payments: OrderPayments) -> None:
    order = f"ord_{uuid.uuid4().hex[:10]}"
    paid = await payments.pay(
        order_id=order, amount=2500, currency="USD", card=card("4242424242424242"),
        idempotency_key=f"{order}-pay",
    )  # fmt: skip
    assert (paid.status, paid.amount_captured) == (PaymentStatus.CAPTURED, 2500)
    refund = await payments.refund(paid.id, amount=500, idempotency_key=f"{order}-return-1")
    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, 500)
    assert (await payments.payment(paid.id)).amount_refunded == 500


async def test_a_decline_is_a_typed_error(payments: OrderPayments) -> None:
    with pytest.raises(CardDeclined) as declined:
        await payments.pay(
            order_id="ord_declined", amount=2500, currency="USD",
            card=card("4000000000009995"), idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip
    assert declined.value.decline_code == "insufficient_funds"


async def test_a_timed_out_create_is_retried_with_the_same_key(stack: Stack) -> None:
    """The first answer is lost (the client times out); the retry carries the same key and
    gets the one payment."""
    sent_keys: list[str] = []
    real = httpx.AsyncHTTPTransport()

    class LosesFirstAnswer(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent_keys.append(request.headers.get("Idempotency-Key", ""))
            response = await real.handle_async_request(request)
            if len(sent_keys) == 1:
                await response.aread()
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    assert stack.dev_api_key is not None
    payments = OrderPayments(
        stack.settings.api.base_url(), stack.dev_api_key, transport=LosesFirstAnswer()
    )
    order = f"ord_{uuid.uuid4().hex[:10]}"
    paid = await payments.pay(
        order_id=order, amount=1200, currency="EUR", card=card("4242424242424242"),
        idempotency_key=f"{order}-pay",
    )  # fmt: skip
    await payments.aclose()
    assert len(sent_keys) >= 2 and len(set(sent_keys)) == 1
    assert paid.status == PaymentStatus.CAPTURED
