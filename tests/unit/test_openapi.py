"""The committed OpenAPI document is the API's own (regenerate: `make openapi`)."""

from __future__ import annotations

import json

from api.openapi import DOCUMENT, document, render


def test_committed_document_is_current() -> None:
    assert DOCUMENT.read_text() == render(), "stale docs/openapi.json: run `make openapi`"


def test_operations_read_well_in_generated_clients() -> None:
    spec = document()
    operations = {op["operationId"]: op for path in spec["paths"].values() for op in path.values()}
    assert {"createPayment", "capturePayment", "cancelPayment", "createRefund", "getPayment",
            "listPayments", "getRefund", "listRefunds"} <= set(operations)  # fmt: skip
    assert all(op["tags"] for op in operations.values())
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    create = operations["createPayment"]
    headers = {p["name"]: p for p in create["parameters"] if p["in"] == "header"}
    assert "retry" in headers["Idempotency-Key"]["description"]
    example = create["responses"]["400"]["content"]["application/json"]["example"]
    assert example["error"]["code"] == "amount_too_large"
    assert json.dumps(spec)  # serializable as committed
