"""Payment events off the wire, from the published contract alone (docs/events/: the CloudEvents
JSON envelope, and CloudEvents' protobuf format with the data messages of
payment_events.proto): a consumer in another repository has these files, not the producer's
code. The classes in proto/ are generated from those files (`make protos`).

Decoding either encoding gives the same JSON envelope. The producer's encoder mirrors this on
purpose: each side stands on the contract, and tests/unit/test_consumer_kit.py decodes what the
producer encodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

import orjson
from google.protobuf import message_factory
from google.protobuf.message import Message

from eventkit.proto import payment_events_pb2
from eventkit.proto.cloudevents_pb2 import CloudEvent

PROTOBUF_TYPE = b"application/cloudevents+protobuf"
# The envelope's attributes that are CloudEvent fields of their own, by their JSON names.
REQUIRED = {"id": "id", "source": "source", "specversion": "spec_version", "type": "type"}
# The data is a protobuf message on the wire and JSON once decoded (CloudEvents, "Data").
PROTOBUF_DATA = "application/protobuf"
JSON_DATA = "application/json"
DATA_MESSAGES = payment_events_pb2.DESCRIPTOR.message_types_by_name


def content_type_of(headers: Iterable[tuple[str, bytes]] | None) -> bytes | None:
    """A Kafka message's content type header, if it has one."""
    return next((value for key, value in headers or () if key == "content-type"), None)


def decode(value: bytes, content_type: bytes | None) -> dict[str, Any]:
    """The event's JSON envelope, whichever encoding it came in (no content type: JSON)."""
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
        envelope["datacontenttype"] = JSON_DATA
    # The data's message is named in the Any's type URL, as the contract declares it.
    descriptor = DATA_MESSAGES[event.proto_data.TypeName().rsplit(".", 1)[-1]]
    data = message_factory.GetMessageClass(descriptor)()
    event.proto_data.Unpack(data)
    envelope["data"] = _as_dict(data)
    return envelope


def _as_dict(message: Message) -> dict[str, Any]:
    """The JSON shape: every field present, None where the JSON has null."""
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
