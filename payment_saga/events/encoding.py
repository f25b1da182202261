"""Events on the wire: CloudEvents as JSON (`application/cloudevents+json`) or in CloudEvents'
protobuf format (`application/cloudevents+protobuf`), chosen by KAFKA_TOPIC_ENCODING.

The outbox keeps each event as its JSON envelope; the relay encodes it on the way out, and
every reader decodes by the message's content type back to that same envelope, so both
encodings carry exactly the same event (tests/unit/test_event_encoding.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from google.protobuf import any_pb2
from google.protobuf.message import Message

from payment_saga.events.proto import payment_events_pb2 as events_pb2
from payment_saga.events.proto.cloudevents_pb2 import CloudEvent

Encoding = Literal["json", "protobuf"]
JSON_TYPE = b"application/cloudevents+json"
PROTOBUF_TYPE = b"application/cloudevents+protobuf"
# Event type -> its data's message (docs/events/payment_events.proto).
MESSAGES: dict[str, type[Message]] = {
    "payment.authorized": events_pb2.PaymentAuthorized,
    "payment.succeeded": events_pb2.PaymentSucceeded,
    "payment.failed": events_pb2.PaymentFailed,
    "payment.canceled": events_pb2.PaymentCanceled,
    "payment.refunded": events_pb2.PaymentRefunded,
    "payment.refund_failed": events_pb2.PaymentRefundFailed,
    "payment.outcome_unknown": events_pb2.PaymentOutcomeUnknown,
    "payment.cancel_refused": events_pb2.PaymentCancelRefused,
    "payment.disputed": events_pb2.PaymentDisputed,
    "payment.dispute_closed": events_pb2.PaymentDisputeClosed,
    "payment.requires_action": events_pb2.PaymentRequiresAction,
    "payment.settled": events_pb2.PaymentSettled,
    "reconciliation.discrepancy": events_pb2.ReconciliationDiscrepancy,
}
# Envelope attributes that are CloudEvent fields of their own, by their JSON names.
REQUIRED = {"id": "id", "source": "source", "specversion": "spec_version", "type": "type"}
# What the data is: JSON in the envelope, a protobuf message in `proto_data` on the wire. The
# attribute says which, in each encoding (CloudEvents' protobuf format, "Data").
JSON_DATA = "application/json"
PROTOBUF_DATA = "application/protobuf"


def encode(envelope: dict[str, Any], encoding: Encoding) -> tuple[bytes, bytes]:
    """The Kafka message value and its content type."""
    if encoding == "json":
        return orjson.dumps(envelope), JSON_TYPE
    event = CloudEvent(**{field: envelope[name] for name, field in REQUIRED.items()})
    for name, value in envelope.items():
        if name in REQUIRED or name == "data":
            continue
        attribute = event.attributes[name]
        if name == "datacontenttype":
            attribute.ce_string = PROTOBUF_DATA
        elif name == "time":
            attribute.ce_timestamp.FromDatetime(datetime.fromisoformat(value))
        elif isinstance(value, int):
            attribute.ce_integer = value
        else:
            attribute.ce_string = str(value)
    data = MESSAGES[envelope["type"]]()
    _fill(data, envelope["data"])
    packed = any_pb2.Any()
    packed.Pack(data)
    event.proto_data.CopyFrom(packed)
    return event.SerializeToString(), PROTOBUF_TYPE


def decode(value: bytes, content_type: bytes | None) -> dict[str, Any]:
    """The event's envelope, whichever encoding it came in (no content type: JSON)."""
    if content_type != PROTOBUF_TYPE:
        decoded: dict[str, Any] = orjson.loads(value)
        return decoded
    event = CloudEvent.FromString(value)
    envelope: dict[str, Any] = {name: getattr(event, field) for name, field in REQUIRED.items()}
    for name, attribute in event.attributes.items():
        kind = attribute.WhichOneof("attr")
        if kind == "ce_timestamp":
            envelope[name] = attribute.ce_timestamp.ToDatetime(tzinfo=UTC).isoformat()
        else:
            envelope[name] = getattr(attribute, kind) if kind else None
    if envelope.get("datacontenttype") == PROTOBUF_DATA:
        envelope["datacontenttype"] = JSON_DATA  # the data is back in its JSON shape
    data = MESSAGES[event.type]()
    event.proto_data.Unpack(data)
    envelope["data"] = _as_dict(data)
    return envelope


def content_type_of(headers: Any) -> bytes | None:
    """A Kafka message's content type header, if it has one."""
    return next((value for key, value in headers or () if key == "content-type"), None)


def _fill(message: Message, values: dict[str, Any]) -> None:
    """Set the message's fields from the JSON shape: None leaves a field unset."""
    for field in message.DESCRIPTOR.fields:
        value = values.get(field.name)
        if value is None:
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(message, field.name).update(value)
        elif field.message_type is not None and field.is_repeated:
            for entry in value:
                _fill(getattr(message, field.name).add(), entry)
        elif field.message_type is not None:
            _fill(getattr(message, field.name), value)
        else:
            setattr(message, field.name, value)


def _as_dict(message: Message) -> dict[str, Any]:
    """The JSON shape back: every field present, None where the JSON has null."""
    shaped: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            shaped[field.name] = dict(value)
        elif field.message_type is not None and field.is_repeated:
            shaped[field.name] = [_as_dict(entry) for entry in value]
        elif field.message_type is not None:
            shaped[field.name] = _as_dict(value) if message.HasField(field.name) else None
        elif field.has_presence and not message.HasField(field.name):
            shaped[field.name] = None
        else:
            shaped[field.name] = value
    return shaped
