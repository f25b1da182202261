"""JSON Schemas of the events, one per type, derived from the payment and refund models the API
answers with (payment_saga/db/views.py).

`python -m payment_saga.events.schemas` writes them to docs/events/; a unit test keeps the files
current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from payment_saga.db.views import DiscrepancyOut, PaymentOut, RefundOut, SettledItemOut
from payment_saga.domain.events import (
    ALL_EVENT_TYPES,
    DISCREPANCY_CHANGES,
    PAYMENT_SETTLED,
    RECONCILIATION_DISCREPANCY,
    REFUND_EVENT_TYPES,
)
from payment_saga.events.rows import EVENT_SOURCE, RECONCILIATION_SOURCE

ENVELOPE_FIELDS = [
    "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "sequence", "data",
]  # fmt: skip
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


def event_schema(event_type: str) -> dict[str, Any]:
    if event_type == RECONCILIATION_DISCREPANCY:
        return _envelope(event_type, RECONCILIATION_SOURCE, _discrepancy_data())
    return _envelope(event_type, EVENT_SOURCE, _payment_data(event_type))


def _payment_data(event_type: str) -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    for name, model in (("Payment", PaymentOut), ("Refund", RefundOut)):
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(schema.pop("$defs", {}))
        definitions[name] = schema
    required = ["payment"]
    if event_type in REFUND_EVENT_TYPES:
        required.append("refund")
    if event_type == PAYMENT_SETTLED:
        required.append("settled")
    properties = {"payment": {"$ref": "#/$defs/Payment"}, "refund": {"$ref": "#/$defs/Refund"}}
    if event_type == PAYMENT_SETTLED:  # the report's item this event is about
        properties["settled"] = {"$ref": f"#/$defs/{SettledItemOut.__name__}"}
    data = {"type": "object", "required": required, "additionalProperties": False,
            "properties": properties}  # fmt: skip
    return {"data": data, "$defs": definitions, "subject": "^pay_", "about": "payment"}


def _discrepancy_data() -> dict[str, Any]:
    schema = DiscrepancyOut.model_json_schema(ref_template="#/$defs/{model}")
    definitions = {**schema.pop("$defs", {}), "Discrepancy": schema}
    data = {
        "type": "object", "required": ["discrepancy", "change"], "additionalProperties": False,
        "properties": {"discrepancy": {"$ref": "#/$defs/Discrepancy"},
                       "change": {"enum": list(DISCREPANCY_CHANGES)}},
    }  # fmt: skip
    return {"data": data, "$defs": definitions, "subject": "", "about": "discrepancy"}


def _envelope(event_type: str, source: str, shape: dict[str, Any]) -> dict[str, Any]:
    about = shape["about"]
    subject: dict[str, Any] = {"type": "string", "description": f"the {about} id"}
    if shape["subject"]:
        subject["pattern"] = shape["subject"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:payment-saga:events:{event_type}",
        "title": event_type,
        "description": f"A CloudEvents 1.0 envelope (structured mode), key = {about} id.",
        "type": "object",
        "required": ENVELOPE_FIELDS,
        "additionalProperties": False,
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid", "description": "stable: deduplicate on it"},
            "source": {"const": source},
            "type": {"const": event_type},
            "subject": subject,
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "sequence": {"type": "integer", "minimum": 1, "description": f"per {about}, +1 each"},
            "traceparent": {
                "type": "string",
                "description": "W3C trace context of the step that made the event (when tracing)",
            },
            "data": shape["data"],
        },
        "$defs": shape["$defs"],
    }


def render(event_type: str) -> str:
    return json.dumps(event_schema(event_type), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for event_type in ALL_EVENT_TYPES:
        (SCHEMA_DIR / f"{event_type}.schema.json").write_text(render(event_type))


if __name__ == "__main__":
    main()
