"""The example consumer applies each event id once, whatever Kafka re-delivers."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "order_consumer.py"


def load_example(database: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("order_consumer", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    setattr(module, "DATABASE", str(database))  # noqa: B010 - a module attribute, set for the test
    return module


def event(event_id: str, event_type: str) -> dict[str, object]:
    payment = {"order_id": "ord_1", "status": "captured"}
    return {"id": event_id, "type": event_type, "subject": "pay_1", "data": {"payment": payment}}


def test_duplicates_are_skipped(tmp_path: Path) -> None:
    consumer = load_example(tmp_path / "orders.sqlite")
    db: sqlite3.Connection = consumer.open_db()

    assert consumer.apply(db, event("e1", "payment.succeeded")) is True
    assert consumer.apply(db, event("e1", "payment.succeeded")) is False
    assert consumer.apply(db, event("e2", "payment.refunded")) is True
    assert db.execute("SELECT status FROM orders WHERE order_id = 'ord_1'").fetchone() == (
        "refunded",
    )
    db.close()


@pytest.mark.parametrize("event_type", ["payment.authorized", "payment.refund_failed"])
def test_events_without_an_order_change_are_still_recorded(tmp_path: Path, event_type: str) -> None:
    consumer = load_example(tmp_path / "orders.sqlite")
    db = consumer.open_db()
    assert consumer.apply(db, event("e9", event_type)) is True
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    db.close()
