"""The example consumer, on the consumer kit: each event id changes an order once."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

from eventkit.consumer import PaymentEvent, SqliteProcessedEvents

from tests.unit.test_consumer_kit import Kafka, message

EXAMPLE = Path(__file__).parents[2] / "sdk" / "examples" / "order_consumer.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("order_consumer", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_an_order_follows_its_payment_once_per_event(tmp_path: Path) -> None:
    example = load_example()
    db = sqlite3.connect(tmp_path / "orders.sqlite")
    db.execute("CREATE TABLE orders (order_id TEXT PRIMARY KEY, status TEXT)")
    kafka = Kafka([message("e1", 1, "payment.succeeded"), message("e1", 1, "payment.succeeded"),
                   message("e2", 2, "payment.refunded")])  # fmt: skip
    kit = kafka.kit(SqliteProcessedEvents(db), example.order_updater(db))
    tally = await kit.run(max_messages=3)

    assert (tally.handled, tally.duplicates) == (2, 1)
    assert db.execute("SELECT status FROM orders WHERE order_id = 'ord_1'").fetchone() == (
        "refunded",
    )
    assert isinstance(PaymentEvent, type)
    db.close()
