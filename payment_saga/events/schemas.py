"""JSON Schemas of the events, one per type, derived from the payment and refund models the API
answers with (payment_saga/db/views.py).

`python -m payment_saga.events.schemas` writes them to docs/events/; a unit test keeps the files
current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from payment_saga.db.views import PaymentOut, RefundOut
from payment_saga.domain.events import EVENT_TYPES, REFUND_EVENT_TYPES
from payment_saga.events.rows import EVENT_SOURCE

ENVELOPE_FIELDS = [
    "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "sequence", "data",
]  # fmt: skip
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


def event_schema(event_type: str) -> dict[str, Any]:
    payment = PaymentOut.model_json_schema(ref_template="#/$defs/{model}")
    refund = RefundOut.model_json_schema(ref_template="#/$defs/{model}")
    definitions = {**payment.pop("$defs", {}), **refund.pop("$defs", {})}
    definitions["Payment"], definitions["Refund"] = payment, refund
    data_required = ["payment", "refund"] if event_type in REFUND_EVENT_TYPES else ["payment"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:payment-saga:events:{event_type}",
        "title": event_type,
        "description": "A CloudEvents 1.0 envelope (structured mode), key = payment id.",
        "type": "object",
        "required": ENVELOPE_FIELDS,
        "additionalProperties": False,
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid", "description": "stable: deduplicate on it"},
            "source": {"const": EVENT_SOURCE},
            "type": {"const": event_type},
            "subject": {"type": "string", "pattern": "^pay_", "description": "the payment id"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "sequence": {"type": "integer", "minimum": 1, "description": "per payment, +1 each"},
            "traceparent": {
                "type": "string",
                "description": "W3C trace context of the step that made the event (when tracing)",
            },
            "data": {
                "type": "object",
                "required": data_required,
                "additionalProperties": False,
                "properties": {
                    "payment": {"$ref": "#/$defs/Payment"},
                    "refund": {"$ref": "#/$defs/Refund"},
                },
            },
        },
        "$defs": definitions,
    }


def render(event_type: str) -> str:
    return json.dumps(event_schema(event_type), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for event_type in EVENT_TYPES:
        (SCHEMA_DIR / f"{event_type}.schema.json").write_text(render(event_type))


if __name__ == "__main__":
    main()
