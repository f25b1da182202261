"""An order service reacting to payment events: the way to consume `payments.events`, on the
consumer kit (sdk/python/eventkit/consumer.py).

- Consumer group `order-service`, offsets committed only after an event is handled, so a crash
  re-delivers rather than loses; JSON or protobuf, decoded by the message's content type.
- Delivery is at least once: each event id is remembered (here in SQLite, in the same transaction
  as the order change) and a repeat is skipped.
- Events of one payment arrive in `sequence` order (one partition per payment id); a gap in a
  payment's sequence is reported; a message that cannot be handled goes to a dead-letter topic.

Run with the stack up:  python sdk/examples/order_consumer.py  (Ctrl-C to stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.helpers import create_ssl_context
from eventkit.consumer import Handler, PaymentEvent, PaymentEventConsumer, SqliteProcessedEvents

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
TOPIC = os.environ.get("KAFKA_TOPIC", "payments.events")
DATABASE = os.environ.get("ORDER_DB", "orders-example.sqlite")
DEAD_LETTERS = os.environ.get("DEAD_LETTER_TOPIC", "payments.events.order-service.dead-letters")


def connection_options() -> dict[str, Any]:
    """A managed Kafka: the same variables as payment-saga's own (KAFKA_SECURITY_PROTOCOL,
    KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_FILE)."""
    protocol = os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    options: dict[str, Any] = {"bootstrap_servers": BOOTSTRAP, "security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=os.environ.get("KAFKA_SSL_CA_FILE"))
    if protocol.startswith("SASL"):
        options["sasl_mechanism"] = os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        options["sasl_plain_username"] = os.environ.get("KAFKA_SASL_USERNAME")
        options["sasl_plain_password"] = os.environ.get("KAFKA_SASL_PASSWORD")
    return options


ORDER_STATUS = {
    "payment.succeeded": "paid",
    "payment.failed": "payment_failed",
    "payment.canceled": "canceled",
    "payment.refunded": "refunded",
}


def open_db() -> sqlite3.Connection:
    db = sqlite3.connect(DATABASE)
    db.execute("CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, status TEXT)")
    return db


def order_updater(db: sqlite3.Connection) -> Handler:
    """The order service's reaction to one event; the kit runs it in the transaction that
    records the event id, so the order change and "done" commit together."""

    async def handle(event: PaymentEvent) -> None:
        status = ORDER_STATUS.get(event.type)
        if status is not None:
            order_id = event.payment["order_id"]
            db.execute("INSERT OR REPLACE INTO orders VALUES (?, ?)", (order_id, status))
        print(f"applied {event.type} {event.payment_id} #{event.sequence}")

    return handle


async def main() -> None:
    db = open_db()
    consumer = AIOKafkaConsumer(
        TOPIC,
        **connection_options(),
        group_id="order-service",
        enable_auto_commit=False,  # the kit commits after handling
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(**connection_options())
    await consumer.start()
    await producer.start()
    try:
        kit = PaymentEventConsumer(
            consumer, producer, SqliteProcessedEvents(db), order_updater(db),
            dead_letter_topic=DEAD_LETTERS,
        )  # fmt: skip
        await kit.run()
    finally:
        await consumer.stop()
        await producer.stop()
        db.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
