"""The compatibility gate: today's event schemas against the published ones
(docs/events-published/): `buf breaking` for the .proto files, outbox.compatibility for the JSON
Schemas. A deliberately breaking change is caught by each."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from payment_saga.events.compatibility import breaking_changes

ROOT = Path(__file__).parents[2]
BUF = ROOT / ".tools" / "go" / "bin" / "buf"
EVENTS = ROOT / "docs" / "events"
PUBLISHED = ROOT / "docs" / "events-published"


def buf_breaking(proposed: Path) -> subprocess.CompletedProcess[str]:
    assert BUF.exists(), "`make tools` builds buf"
    return subprocess.run(
        [str(BUF), "breaking", str(proposed), "--against", str(PUBLISHED)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_the_protos_do_not_break_published_consumers() -> None:
    checked = buf_breaking(EVENTS)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("int64 amount_refunded = 12;", ""), "amount_refunded"),  # a field removed
        (("string currency = 7;", "string currency = 70;"), "currency"),  # a tag renumbered
        (("int64 amount = 6;", "string amount = 6;"), "amount"),  # a field retyped
    ],
)
def test_buf_catches_a_breaking_proto_change(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    proposed = tmp_path / "events"
    shutil.copytree(EVENTS, proposed)
    proto = proposed / "payment_events.proto"
    old, new = change
    assert old in proto.read_text()
    proto.write_text(proto.read_text().replace(old, new, 1))
    checked = buf_breaking(proposed)
    assert checked.returncode != 0
    assert expected in checked.stdout + checked.stderr


@pytest.mark.parametrize("published", sorted(PUBLISHED.glob("*.schema.json")), ids=lambda p: p.name)
def test_the_json_schemas_do_not_break_published_consumers(published: Path) -> None:
    current = EVENTS / published.name
    assert current.exists(), f"{published.name}: an event type was removed"
    problems = breaking_changes(json.loads(published.read_text()), json.loads(current.read_text()))
    assert problems == []


def test_the_json_gate_catches_breaking_changes() -> None:
    schema = json.loads((PUBLISHED / "payment.refunded.schema.json").read_text())
    proposed = json.loads(json.dumps(schema))
    payment = proposed["$defs"]["Payment"]
    del payment["properties"]["amount_refunded"]
    payment["properties"]["amount"] = {"type": "string"}
    payment["required"].append("brand_new")
    proposed["$defs"]["PaymentStatus"]["enum"].remove("refunded")
    assert sorted(breaking_changes(schema, proposed)) == [
        "Payment.amount: type integer became string",
        "Payment.amount_refunded: removed",
        "Payment.brand_new: new and required",
        "PaymentStatus: enum value 'refunded' removed",
    ]
    added = json.loads(json.dumps(schema))
    added["$defs"]["Payment"]["properties"]["loyalty_points"] = {"type": "integer"}
    assert breaking_changes(schema, added) == []  # a new optional field breaks nobody
