"""POST /v1/payments: synchronous answers, declines, replays and races."""

from __future__ import annotations

import asyncio
import base64

import httpx
from pydantic import SecretStr

from api.main import create_app
from payment_saga.config import Settings
from tests.e2e.conftest import create, new_key, payment_body


async def test_waited_create_returns_the_captured_payment(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body(amount=1234, metadata={"cart": "c1"}))

    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["id"].startswith("pay_") and payment["object"] == "payment"
    assert (payment["status"], payment["amount_captured"], payment["currency"]) == (
        "captured", 1234, "USD",
    )  # fmt: skip
    assert payment["payment_method"]["card"]["last4"] == "4242"
    assert "4242424242424242" not in response.text
    assert payment["workflow"]["ui_url"].endswith(f"/workflows/{payment['id']}")
    assert payment["metadata"] == {"cart": "c1"}
    assert (await api.get(f"/v1/payments/{payment['id']}")).json()["status"] == "captured"


async def test_manual_create_returns_once_authorized(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body(capture_method="manual"))
    assert response.status_code == 201
    assert response.json()["status"] == "authorized"


async def test_declined_card_gets_402_with_the_payment(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body("4000000000009995"))

    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error", "card_declined", "insufficient_funds",
    )  # fmt: skip
    assert error["payment"]["status"] == "failed"
    assert response.json()["request_id"].startswith("req_")


async def test_create_without_wait_is_accepted(api: httpx.AsyncClient) -> None:
    response = await create(api, wait=None)
    assert response.status_code == 202
    assert response.json()["status"] in ("pending", "authorized", "captured")


async def test_same_key_and_body_replays_the_answer(api: httpx.AsyncClient) -> None:
    headers = {**new_key(), "Prefer": "wait=10"}
    body = payment_body()
    first = await api.post("/v1/payments", json=body, headers=headers)
    again = await api.post("/v1/payments", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await api.post("/v1/payments", json={**body, "amount": 1}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_concurrent_creates_with_one_key_make_one_payment(api: httpx.AsyncClient) -> None:
    headers = {**new_key(), "Prefer": "wait=10"}
    body = payment_body()
    responses = await asyncio.gather(
        *(api.post("/v1/payments", json=body, headers=headers) for _ in range(10))
    )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["error"]["code"] == "idempotency_key_in_use"
    listed = await api.get("/v1/payments", params={"order_id": body["order_id"]})
    assert len(listed.json()["data"]) == 1


async def test_a_retry_across_a_fingerprint_key_rotation_is_the_same_request(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    """The request's hash holds the card's keyed fingerprint: rotating the key (a new active
    key, the old one kept) turned a legitimate retry into a 422 (#27 item 6)."""
    old, new = (
        "k1:" + base64.b64encode(b"o" * 32).decode(),
        "k2:" + base64.b64encode(b"n" * 32).decode(),
    )
    body, key = payment_body(), new_key()
    answers = []
    for spec in (old, f"{new},{old}"):
        rotated = settings.model_copy(deep=True)
        rotated.cards.fingerprint_keys = SecretStr(spec)
        app = create_app(rotated)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="http://api",
                headers={"Authorization": api.headers["Authorization"], **key, "Prefer": "wait=15"},
            ) as client,
        ):  # fmt: skip
            answers.append(await client.post("/v1/payments", json=body))
    assert [a.status_code for a in answers] == [201, 201], answers[1].text
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[0].json()["id"] == answers[1].json()["id"]


async def test_a_card_shows_its_funding_as_the_processor_says_it(api: httpx.AsyncClient) -> None:
    for number, funding in [
        ("4242424242424242", "credit"),
        ("4000056655665556", "debit"),
        ("5105105105105100", "prepaid"),
    ]:
        response = await create(api, payment_body(number))
        assert response.status_code == 201, response.text
        assert response.json()["payment_method"]["card"]["funding"] == funding, number
