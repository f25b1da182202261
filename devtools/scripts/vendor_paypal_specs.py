"""Copy the parts of PayPal's published OpenAPI documents the PayPal test server checks our
requests against (devtools/testservers/paypal/specs/): each request body's schema and every
schema it refers to, unchanged, with where they came from.

    python devtools/scripts/vendor_paypal_specs.py <clone of paypal/paypal-rest-api-specifications>
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SOURCE = "https://github.com/paypal/paypal-rest-api-specifications"
# Document -> the request bodies our adapter sends (payment_saga/processors/paypal/adapter.py).
ROOTS = {
    "checkout_orders_v2.json": ["order_request", "order_authorize_request"],
    "payments_payment_v2.json": ["capture_request", "refund_request"],
    "notifications_webhooks_v1.json": ["verify_webhook_signature"],
}
OUT = Path(__file__).resolve().parents[1] / "testservers" / "paypal" / "specs"


def referenced(node: Any) -> set[str]:
    """The component schemas a node refers to directly."""
    if isinstance(node, dict):
        found = set()
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= referenced(value)
        return found
    if isinstance(node, list):
        return set().union(*(referenced(item) for item in node)) if node else set()
    return set()


def closure(schemas: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept[name] = schemas[name]
        todo.extend(referenced(schemas[name]) - kept.keys())
    return dict(sorted(kept.items()))


def main() -> None:
    clone = Path(sys.argv[1])
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, roots in ROOTS.items():
        document = json.loads((clone / "openapi" / name).read_text())
        trimmed = {
            "x-source": f"{SOURCE}/blob/{commit}/openapi/{name}",
            "info": document["info"],
            "components": {"schemas": closure(document["components"]["schemas"], roots)},
        }
        (OUT / name).write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
