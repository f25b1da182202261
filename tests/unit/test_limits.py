"""Whatever the API accepts fits where it is stored: each limit has one source."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, ColumnElement, String

from api import schemas
from payment_saga.config import PaymentSettings
from payment_saga.db.models import IdempotencyRecord, Payment, Refund
from payment_saga.domain import limits

# Every stored string the API takes from the caller: (model, field) -> the column it lands in.
STORED: list[tuple[type[BaseModel], str, Any]] = [
    (schemas.PaymentCreate, "order_id", Payment.__table__.c.order_id),
    (schemas.PaymentCreate, "customer_id", Payment.__table__.c.customer_id),
    (schemas.CancelBody, "reason", Refund.__table__.c.reason),
    (schemas.RefundCreate, "reason", Refund.__table__.c.reason),
]


def max_length(model: type[BaseModel], name: str) -> int:
    """The longest value the API accepts for a field, read off its JSON schema (what the
    OpenAPI document promises): a maxLength, or the longest of an enum's values."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    lengths: list[int] = []

    def collect(node: dict[str, Any]) -> None:
        if "$ref" in node:
            collect(definitions[node["$ref"].rsplit("/", 1)[1]])
        lengths.extend([node["maxLength"]] if "maxLength" in node else [])
        lengths.extend(len(v) for v in node.get("enum", []) if isinstance(v, str))
        for option in node.get("anyOf", []):
            collect(option)

    collect(schema["properties"][name])
    assert lengths, f"{model.__name__}.{name} has no length limit"
    return max(lengths)


@pytest.mark.parametrize(("model", "name", "column"), STORED, ids=lambda x: getattr(x, "name", x))
def test_column_holds_what_the_api_accepts(
    model: type[BaseModel], name: str, column: Column[Any]
) -> None:
    assert isinstance(column.type, String) and column.type.length is not None
    assert max_length(model, name) <= column.type.length


def length_of(column: ColumnElement[Any]) -> int | None:
    assert isinstance(column.type, String)
    return column.type.length


def test_idempotency_key_column_holds_the_longest_key() -> None:
    assert length_of(IdempotencyRecord.__table__.c.key) == limits.IDEMPOTENCY_KEY_MAX


def test_the_cancel_reason_that_once_wedged_a_payment_fits() -> None:
    # 255 at the API, once 64 in the column: a 100-character reason retried forever.
    assert max_length(schemas.CancelBody, "reason") == limits.REASON_MAX
    assert length_of(Refund.__table__.c.reason) == limits.REASON_MAX


def test_max_amount_defaults_to_one_source_and_is_set_per_currency() -> None:
    payments = PaymentSettings(max_amount_by_currency={"JPY": 5_000_000})
    assert payments.max_amount_for("USD") == limits.DEFAULT_MAX_AMOUNT
    assert payments.max_amount_for("JPY") == 5_000_000
