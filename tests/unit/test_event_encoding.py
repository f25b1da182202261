"""Both encodings carry the same event: every event type, built as the outbox builds it, comes
back from CloudEvents' protobuf format equal to its JSON envelope; the committed classes are the
ones docs/events/*.proto generate."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from eventkit import wire

from payment_saga.db.models import Payment, Refund
from payment_saga.db.reconciliation import Discrepancy
from payment_saga.db.views import SettledItemOut
from payment_saga.domain import events
from payment_saga.events.encoding import JSON_TYPE, MESSAGES, PROTOBUF_TYPE, decode, encode
from payment_saga.events.proto.cloudevents_pb2 import CloudEvent
from payment_saga.events.rows import discrepancy_event, new_event

ROOT = Path(__file__).parents[2]
AT = datetime(2026, 11, 26, 15, 4, 5, 123456, tzinfo=UTC)


def payment(**overrides: Any) -> Payment:
    fields: dict[str, Any] = {
        "id": "pay_1", "account_id": "acct_1", "order_id": "ord_1", "customer_id": None,
        "amount": 10**15, "currency": "USD", "status": "partially_refunded",
        "capture_method": "manual", "amount_authorized": 2500, "amount_captured": 2500,
        "amount_refunded": 1000, "card_brand": "visa", "card_last4": "4242", "card_exp_month": 12,
        "card_exp_year": 2031, "card_fingerprint": "k1_abc", "failure_code": None,
        "failure_decline_code": None, "failure_message": None, "gateway_reference": None,
        "processor": None, "dispute_status": None, "dispute_reason": None, "description": None,
        "metadata_": {}, "workflow_run_id": None, "event_sequence": 0, "created_at": AT,
        "updated_at": AT,
    }  # fmt: skip
    return Payment(**{**fields, **overrides})


FULL = {
    "customer_id": "cus_9", "failure_code": "card_declined", "failure_decline_code": "fraud",
    "failure_message": "declined", "gateway_reference": "pi_1", "processor": "stripe",
    "dispute_status": "open", "dispute_reason": "fraudulent", "description": "two mugs",
    "metadata_": {"cart": "c1", "note": "ünïcode"}, "workflow_run_id": "run-1",
    "settlement": [
        {"kind": "capture", "refund_id": None, "item_id": "st_1", "amount": 2500, "fee": 103,
         "net": 2397, "currency": "USD", "settlement_date": "2026-11-26", "payout_id": "po_1"},
        {"kind": "refund", "refund_id": "re_1", "item_id": "st_2", "amount": -1000, "fee": 0,
         "net": -1000, "currency": "USD", "settlement_date": "2026-11-27", "payout_id": "po_2"},
    ],
}  # fmt: skip
SETTLED = SettledItemOut(
    kind="capture",
    refund_id=None,
    item_id="st_1",
    amount=2500,
    fee=103,
    net=2397,
    currency="USD",
    settlement_date="2026-11-26",
    payout_id="po_1",
)
DISCREPANCY = {
    "id": "simulator:missing:pay_1", "processor": "simulator", "kind": "missing",
    "payment_id": "pay_1", "refund_id": None, "item_id": None, "expected_amount": 2500,
    "settled_amount": None, "currency": "USD", "settlement_date": date(2026, 11, 26),
    "status": "open", "detail": "capture pay_1 is in no report", "resolution": None,
    "opened_at": AT, "escalated_at": None, "closed_at": None, "event_sequence": 0,
}  # fmt: skip
DISCREPANCY_FULL = {
    **DISCREPANCY, "item_id": "st_9", "settled_amount": 2499, "kind": "amount_mismatch",
    "status": "resolved", "resolution": "the processor's fee adjustment", "escalated_at": AT,
    "closed_at": AT, "refund_id": "re_1",
}  # fmt: skip
REFUND = Refund(id="re_1", payment_id="pay_1", amount=1000, currency="USD", status="failed",
                reason=None, failure_code="refund_failed", failure_message="card closed",
                created_at=AT)  # fmt: skip


def envelope(event_type: str, **overrides: Any) -> dict[str, Any]:
    refund = REFUND if event_type in events.REFUND_EVENT_TYPES else None
    settled = SETTLED if event_type == events.PAYMENT_SETTLED else None
    row = new_event(payment(**overrides), event_type, temporal_ui_url="http://ui",
                    namespace="default", refund=refund, settled=settled)  # fmt: skip
    built: dict[str, Any] = orjson.loads(orjson.dumps(row.payload))
    return built


@pytest.mark.parametrize("event_type", events.EVENT_TYPES)
@pytest.mark.parametrize("fields", [{}, FULL], ids=["sparse", "full"])
def test_every_event_type_survives_the_protobuf_format(
    event_type: str, fields: dict[str, Any]
) -> None:
    original = envelope(event_type, **fields)
    value, content_type = encode(original, "protobuf")
    assert content_type == PROTOBUF_TYPE
    assert decode(value, content_type) == original
    value, content_type = encode(original, "json")
    assert (content_type, decode(value, content_type)) == (JSON_TYPE, original)
    assert decode(value, None) == original  # a message from before content types


@pytest.mark.parametrize("fields", [DISCREPANCY, DISCREPANCY_FULL], ids=["sparse", "full"])
@pytest.mark.parametrize("change", events.DISCREPANCY_CHANGES)
def test_a_discrepancy_event_survives_the_protobuf_format(
    fields: dict[str, Any], change: str
) -> None:
    row = discrepancy_event(Discrepancy(**fields), change)
    original: dict[str, Any] = orjson.loads(orjson.dumps(row.payload))
    assert (original["subject"], original["sequence"]) == (fields["id"], 1)
    value, content_type = encode(original, "protobuf")
    assert decode(value, content_type) == original
    assert wire.decode(value, content_type) == original  # the consumer kit reads it too


def test_every_event_type_has_its_message() -> None:
    assert set(MESSAGES) == set(events.ALL_EVENT_TYPES)


def test_the_committed_classes_are_what_the_protos_generate(tmp_path: Path) -> None:
    script = "devtools/scripts/generate-protos.sh"
    subprocess.run(["bash", script, str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    for made in sorted(tmp_path.glob("*_pb2.py*")):
        for copy in ("payment_saga/events/proto", "sdk/python/eventkit/proto"):
            committed = ROOT / copy / made.name
            assert committed.read_bytes() == made.read_bytes(), f"run `make protos`: {made.name}"


@pytest.mark.parametrize("event_type", events.EVENT_TYPES)
def test_a_protobuf_event_says_its_data_is_protobuf(event_type: str) -> None:
    """Protobuf events said `datacontenttype: application/json` over a protobuf message in
    `proto_data` (#27 item 8): a consumer decoding by the attribute got it wrong."""
    original = envelope(event_type)
    assert original["datacontenttype"] == "application/json"
    value, _ = encode(original, "protobuf")
    on_the_wire = CloudEvent.FromString(value)
    assert on_the_wire.attributes["datacontenttype"].ce_string == "application/protobuf"
    assert on_the_wire.WhichOneof("data") == "proto_data"
