"""An order service on the typed client: take an order, pay, handle a decline, refund a
returned item, and follow the payment's events.

Run with the stack up (`make run`), with an approved and an insufficient-funds card from the
simulator's catalogue (docs/test-cards.md):
    API_URL=http://127.0.0.1:8000 API_KEY=$(cat .data/dev-api-key) \\
        APPROVED_CARD=... INSUFFICIENT_FUNDS_CARD=... .venv/bin/python sdk/examples/order_service.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from eventkit.wire import content_type_of, decode
from order_payments import CardDeclined, OrderPayments
from payment_saga_client.models import CardIn

API_URL = os.environ.get("API_URL", "http://127.0.0.1:8000")
API_KEY = os.environ.get("API_KEY", "")
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
TOPIC = os.environ.get("KAFKA_TOPIC", "payments.events")


# Test cards from the simulator's catalogue (docs/test-cards.md), given by whoever runs the
# example; real cards come tokenized by the processor's own form and never pass through an
# order service.
APPROVED = os.environ["APPROVED_CARD"]
INSUFFICIENT_FUNDS = os.environ["INSUFFICIENT_FUNDS_CARD"]


def card(number: str) -> CardIn:
    return CardIn(number=number, exp_month=12, exp_year=2030, cvc="123")


async def checkout(payments: OrderPayments, order_id: str, amount: int, number: str) -> str:
    """Pay for an order; the order's new state. The key is the order's: a retry, even after a
    crash of ours, can never charge twice."""
    try:
        payment = await payments.pay(
            order_id=order_id, amount=amount, currency="EUR", card=card(number),
            idempotency_key=f"{order_id}:payment",
        )  # fmt: skip
    except CardDeclined as declined:
        return f"declined ({declined.decline_code or declined.code})"
    return f"{payment.status} {payment.id}"


async def return_item(payments: OrderPayments, payment_id: str, order_id: str, amount: int) -> str:
    refund = await payments.refund(
        payment_id, amount=amount, idempotency_key=f"{order_id}:return:1"
    )
    return f"refund {refund.status} {refund.amount}"


async def events_of(payment_id: str, count: int, within_seconds: float = 30) -> list[str]:
    """The payment's first `count` event types, in order (a real consumer keeps a group and
    deduplicates by id: sdk/examples/order_consumer.py)."""
    consumer = AIOKafkaConsumer(
        TOPIC, bootstrap_servers=BOOTSTRAP, auto_offset_reset="earliest",
        group_id=f"order-service-example-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    await consumer.start()
    seen: dict[str, str] = {}
    try:
        async with asyncio.timeout(within_seconds):
            async for message in consumer:
                event = decode(message.value, content_type_of(message.headers))
                if event["subject"] == payment_id:
                    seen.setdefault(event["id"], event["type"])
                if len(seen) >= count:
                    break
    finally:
        await consumer.stop()
    return list(seen.values())


async def main() -> None:
    payments = OrderPayments(API_URL, API_KEY)
    try:
        order = f"ord_{uuid.uuid4().hex[:10]}"
        paid = await checkout(payments, order, 4200, APPROVED)
        print(f"order {order}: {paid}")
        payment_id = paid.split()[-1]
        print(f"order {order}: {await return_item(payments, payment_id, order, 1200)}")
        print(f"order {order}: events {', '.join(await events_of(payment_id, 3))}")
        declined = f"ord_{uuid.uuid4().hex[:10]}"
        print(f"order {declined}: {await checkout(payments, declined, 990, INSUFFICIENT_FUNDS)}")
    finally:
        await payments.aclose()


if __name__ == "__main__":
    asyncio.run(main())
