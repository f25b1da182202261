"""An order service reacting to payment events: the way to consume `payments.events`.

- Consumer group `order-service`, offsets committed only after an event is processed, so a crash
  re-delivers rather than loses.
- Delivery is at least once: each event id is remembered (here in SQLite, in the same transaction
  as the order change) and a repeat is skipped.
- Events of one payment arrive in `sequence` order (one partition per payment id); a consumer
  can also ignore any event whose sequence is not above the last one it applied.

Run with the stack up:  python examples/order_consumer.py  (Ctrl-C to stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.helpers import create_ssl_context

from outbox.encoding import content_type_of, decode

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
TOPIC = os.environ.get("KAFKA_TOPIC", "payments.events")
DATABASE = os.environ.get("ORDER_DB", "orders-example.sqlite")


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
    db.execute("CREATE TABLE IF NOT EXISTS processed_events (event_id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, status TEXT)")
    return db


def apply(db: sqlite3.Connection, event: dict[str, Any]) -> bool:
    """Apply one event exactly once; False when it was a duplicate."""
    with db:  # one transaction: the dedup record and the order change commit together
        inserted = db.execute(
            "INSERT OR IGNORE INTO processed_events VALUES (?)", (event["id"],)
        ).rowcount
        if not inserted:
            return False
        status = ORDER_STATUS.get(event["type"])
        if status is not None:
            order_id = event["data"]["payment"]["order_id"]
            db.execute("INSERT OR REPLACE INTO orders VALUES (?, ?)", (order_id, status))
    return True


async def main() -> None:
    db = open_db()
    consumer = AIOKafkaConsumer(
        TOPIC,
        **connection_options(),
        group_id="order-service",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async for message in consumer:
            event = decode(message.value, content_type_of(message.headers))
            fresh = apply(db, event)
            print(f"{'applied' if fresh else 'duplicate'} {event['type']} {event['subject']}")
            await consumer.commit()  # only after processing
    finally:
        await consumer.stop()
        db.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
