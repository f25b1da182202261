"""The plain baseline (#31): the payment service an order-service team would write without
durability, to measure the saga against. One HTTP request tokenizes, authorizes and captures at
the same simulator (through the same adapter), writes a Postgres row through psycopg's own pool
and sends a JSON event to Kafka with aiokafka; nothing survives a crash between the steps.

Run by the benchmark in the same stack: `python -m devtools.bench.plain PORT`.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI, Header, Request
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from payment_saga.config import Settings
from payment_saga.processors.port import CardInput, PaymentGateway
from payment_saga.processors.simulator.registration import open_adapter

TOPIC = "plain.payments"
POOL_SIZE = 20
TABLE = """
CREATE TABLE IF NOT EXISTS plain_payments (
    id text PRIMARY KEY,
    order_id text NOT NULL,
    amount bigint NOT NULL,
    currency char(3) NOT NULL,
    status text NOT NULL,
    authorization_id text NOT NULL,
    card_last4 char(4) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
INSERT = (
    "INSERT INTO plain_payments (id, order_id, amount, currency, status, authorization_id,"
    " card_last4) VALUES (%s, %s, %s, %s, 'captured', %s, %s)"
)


class Card(BaseModel):
    number: str
    exp_month: int
    exp_year: int
    cvc: str


class Method(BaseModel):
    type: str
    card: Card


class PlainPayment(BaseModel):
    order_id: str
    amount: int
    currency: str
    payment_method: Method


@dataclass
class Parts:
    gateway: PaymentGateway
    pool: AsyncConnectionPool
    producer: AIOKafkaProducer


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap(), acks="all")
        await producer.start()
        pool = AsyncConnectionPool(
            settings.database.libpq_url(), min_size=POOL_SIZE, max_size=POOL_SIZE, open=False
        )
        await pool.open(wait=True)
        async with pool.connection() as connection:
            await connection.execute(TABLE)
        try:
            async with open_adapter(settings) as gateway:
                app.state.parts = Parts(gateway, pool, producer)
                yield
        finally:
            await pool.close()
            await producer.stop()

    app = FastAPI(lifespan=lifespan)

    @app.post("/payments", status_code=201)
    async def create_payment(
        body: PlainPayment, request: Request, idempotency_key: Annotated[str, Header()]
    ) -> dict[str, Any]:
        parts: Parts = request.app.state.parts
        card = body.payment_method.card
        given = CardInput(card.number, card.exp_month, card.exp_year, card.cvc)
        token = await parts.gateway.tokenize(given)
        held = await parts.gateway.authorize(
            token.token, body.amount, body.currency, f"{idempotency_key}:authorize"
        )
        await parts.gateway.capture(
            held.authorization_id, body.amount, f"{idempotency_key}:capture"
        )
        payment_id = f"plain_{uuid.uuid4().hex}"
        async with parts.pool.connection() as connection:
            await connection.execute(
                INSERT,
                (payment_id, body.order_id, body.amount, body.currency,
                 held.authorization_id, card.number[-4:]),
            )  # fmt: skip
        payment = {"id": payment_id, "status": "captured", "amount": body.amount,
                   "currency": body.currency, "amount_captured": body.amount}  # fmt: skip
        event = {"type": "payment.succeeded", "subject": payment_id, "data": payment}
        await parts.producer.send_and_wait(TOPIC, orjson.dumps(event), key=payment_id.encode())
        return payment

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    port = int(sys.argv[1])
    uvicorn.run(create_app(Settings()), host="127.0.0.1", port=port, access_log=False)


if __name__ == "__main__":
    main()
