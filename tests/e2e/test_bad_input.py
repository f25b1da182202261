"""Bad input gets a documented error (type, code, param, status) and creates nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import new_key, payment_body


def card(**fields: Any) -> dict[str, Any]:
    base = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    return {"type": "card", "card": {**base, **fields}}


CASES = [
    ({"amount": 10.5}, "parameter_invalid", "amount"),
    ({"amount": "100"}, "parameter_invalid", "amount"),
    ({"amount": 0}, "parameter_invalid", "amount"),
    ({"amount": 10**16}, "parameter_invalid", "amount"),
    ({"currency": "XYZ"}, "invalid_currency", "currency"),
    ({"capture_method": "later"}, "parameter_invalid", "capture_method"),
    ({"order_id": ""}, "parameter_invalid", "order_id"),
    ({"payment_method": card(number="4242424242424241")}, "incorrect_number",
     "payment_method.card.number"),
    ({"payment_method": card(exp_year=2020)}, "expired_card", "payment_method.card.exp_year"),
    ({"payment_method": card(cvc="12")}, "parameter_invalid", "payment_method.card.cvc"),
    ({"payment_method": card(cvc="12a")}, "invalid_cvc", "payment_method.card.cvc"),
    ({"payment_method": card(number="378282246310005", cvc="123")}, "invalid_cvc",
     "payment_method.card.cvc"),
    ({"metadata": {f"k{i}": "v" for i in range(21)}}, "invalid_metadata", "metadata"),
    ({"unexpected": 1}, "parameter_invalid", "unexpected"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "code", "param"), CASES)
async def test_invalid_create_is_rejected_and_changes_nothing(
    api: httpx.AsyncClient, change: dict[str, Any], code: str, param: str
) -> None:
    body = payment_body(**change)
    response = await api.post("/v1/payments", json=body, headers=new_key())

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert "4242424242424241" not in response.text
    listed = await api.get("/v1/payments", params={"order_id": body["order_id"]})
    assert listed.json()["data"] == []


async def test_missing_idempotency_key(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/payments", json=payment_body())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == "Idempotency-Key"


async def test_malformed_json(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/payments",
        content=b'{"amount": ',
        headers={**new_key(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


async def test_bad_prefer_header(api: httpx.AsyncClient) -> None:
    headers = {**new_key(), "Prefer": "wait=31"}
    response = await api.post("/v1/payments", json=payment_body(), headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_prefer"


@pytest.mark.parametrize("limit", [0, 101, "x"])
async def test_list_limit_is_checked(api: httpx.AsyncClient, limit: int | str) -> None:
    response = await api.get("/v1/payments", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"


async def test_unknown_payment_is_404(api: httpx.AsyncClient) -> None:
    for path in ("/v1/payments/pay_nope", "/v1/refunds/re_nope", "/v1/payments/pay_nope/refunds"):
        response = await api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "resource_missing"
    response = await api.post("/v1/payments/pay_nope/capture", json={})
    assert response.status_code == 404
