"""Paying with a token the processor issued to the customer's browser: no card number passes
through the order service or the API. The test stack's processor is the simulator, whose
tokens (`tok_...`) stand in for Stripe Elements' `pm_...` here."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.conftest import create, new_key, payment_body


async def browser_token(gateway_http: httpx.AsyncClient, number: str) -> str:
    """What the processor's JavaScript does in the customer's browser."""
    card = {"number": number, "exp_month": 11, "exp_year": 2031, "cvc": "123"}
    response = await gateway_http.post("/v1/tokens", json=card)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


def token_body(token: str, **overrides: Any) -> dict[str, Any]:
    return payment_body(payment_method={"type": "token", "token": token}, **overrides)


async def test_a_processor_token_pays_and_the_card_comes_back_from_the_processor(
    api: httpx.AsyncClient, gateway_http: httpx.AsyncClient
) -> None:
    token = await browser_token(gateway_http, "5555555555554444")
    response = await create(api, token_body(token, amount=4100))

    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["status"], payment["amount_captured"]) == ("captured", 4100)
    card = payment["payment_method"]["card"]
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == (
        "mastercard", "4444", 11, 2031,
    )  # fmt: skip


async def test_the_same_token_pays_with_the_same_fingerprint(
    api: httpx.AsyncClient, gateway_http: httpx.AsyncClient
) -> None:
    token = await browser_token(gateway_http, "4111111111111111")
    first = (await create(api, token_body(token))).json()
    second = (await create(api, token_body(token))).json()
    assert first["id"] != second["id"]
    fingerprint = first["payment_method"]["card"]["fingerprint"]
    assert fingerprint == second["payment_method"]["card"]["fingerprint"]


async def test_a_token_the_processor_does_not_know_is_a_400_and_creates_nothing(
    api: httpx.AsyncClient,
) -> None:
    order_id = f"ord_{uuid.uuid4().hex[:12]}"
    response = await create(api, token_body("tok_nobodyissuedthis", order_id=order_id))

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_token", "payment_method.token")
    listed = await api.get("/v1/payments", params={"order_id": order_id})
    assert listed.json()["data"] == []


async def test_a_malformed_token_or_a_missing_type_names_the_field(api: httpx.AsyncClient) -> None:
    bad = await create(api, token_body("pm with spaces"))
    assert bad.status_code == 400
    assert (bad.json()["error"]["code"], bad.json()["error"]["param"]) == (
        "parameter_invalid", "payment_method.token",
    )  # fmt: skip
    untyped = payment_body(payment_method={"token": "pm_card_visa"})
    response = await api.post("/v1/payments", json=untyped, headers=new_key())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == "payment_method"
