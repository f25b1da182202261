"""Capture, cancel and refunds over HTTP, including the races the order service can cause."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.e2e.conftest import create, new_key, payment_body


async def created(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await create(api, payment_body(**overrides))
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    return payment


async def refund(api: httpx.AsyncClient, payment_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"/v1/payments/{payment_id}/refunds", json=body, headers=new_key())


async def test_manual_capture_partial_then_refund(api: httpx.AsyncClient) -> None:
    payment = await created(api, amount=10_000, capture_method="manual")
    pid = payment["id"]

    too_much = await api.post(f"/v1/payments/{pid}/capture", json={"amount": 10_001})
    assert too_much.status_code == 400
    assert too_much.json()["error"]["code"] == "amount_exceeds_authorized"
    captured = await api.post(f"/v1/payments/{pid}/capture", json={"amount": 6000})
    assert captured.status_code == 200
    assert (captured.json()["status"], captured.json()["amount_captured"]) == ("captured", 6000)
    again = await api.post(f"/v1/payments/{pid}/capture", json={})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "payment_not_capturable"

    first = await refund(api, pid, amount=1000, reason="requested_by_customer")
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["reason"]) == (
        "succeeded",
        "requested_by_customer",
    )
    beyond = await refund(api, pid, amount=5001)
    assert (beyond.status_code, beyond.json()["error"]["code"]) == (
        400,
        "amount_exceeds_refundable",
    )
    rest = await refund(api, pid)
    assert (rest.status_code, rest.json()["amount"]) == (201, 5000)

    final = (await api.get(f"/v1/payments/{pid}")).json()
    assert (final["status"], final["amount_refunded"]) == ("refunded", 6000)
    refunds = (await api.get(f"/v1/payments/{pid}/refunds")).json()["data"]
    assert [r["amount"] for r in refunds] == [1000, 5000]
    assert (await api.get(f"/v1/refunds/{refunds[0]['id']}")).json()["payment_id"] == pid


async def test_capture_on_automatic_payment_is_409(api: httpx.AsyncClient) -> None:
    payment = await created(api)
    response = await api.post(f"/v1/payments/{payment['id']}/capture", json={})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409, "payment_not_capturable",
    )  # fmt: skip


async def test_cancel_authorized_then_cancel_again(api: httpx.AsyncClient) -> None:
    payment = await created(api, capture_method="manual")
    canceled = await api.post(f"/v1/payments/{payment['id']}/cancel", json={"reason": "oops"})
    assert (canceled.status_code, canceled.json()["status"]) == (200, "canceled")
    again = await api.post(f"/v1/payments/{payment['id']}/cancel", json={})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "payment_not_cancelable")


async def test_cancel_captured_refunds_the_rest(api: httpx.AsyncClient) -> None:
    payment = await created(api, amount=3000)
    await refund(api, payment["id"], amount=1000)
    canceled = await api.post(f"/v1/payments/{payment['id']}/cancel")
    assert canceled.status_code == 200
    assert (canceled.json()["status"], canceled.json()["amount_refunded"]) == ("refunded", 3000)


async def test_refund_of_failed_payment_is_409(api: httpx.AsyncClient) -> None:
    response = await create(api, payment_body("4000000000000002"))
    pid = response.json()["error"]["payment"]["id"]
    refused = await refund(api, pid)
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        409, "payment_not_refundable",
    )  # fmt: skip


async def test_refused_refund_is_a_failed_refund(api: httpx.AsyncClient) -> None:
    payment = await created(api, payment_method=payment_body("4000000000005126")["payment_method"])
    response = await refund(api, payment["id"], amount=100)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["failure"]["code"]) == (
        "failed", "refund_refused",
    )  # fmt: skip
    assert (await api.get(f"/v1/payments/{payment['id']}")).json()["amount_refunded"] == 0


async def test_refund_replay_returns_the_same_refund(api: httpx.AsyncClient) -> None:
    payment = await created(api)
    headers = new_key()
    url = f"/v1/payments/{payment['id']}/refunds"
    first = await api.post(url, json={"amount": 100}, headers=headers)
    again = await api.post(url, json={"amount": 100}, headers=headers)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len((await api.get(url)).json()["data"]) == 1


async def test_ten_concurrent_refunds_of_thirty_percent(api: httpx.AsyncClient) -> None:
    payment = await created(api, amount=10_000)
    responses = await asyncio.gather(*(refund(api, payment["id"], amount=3000) for _ in range(10)))

    succeeded = [r for r in responses if r.status_code == 201]
    assert len(succeeded) == 3
    assert {r.status_code for r in responses} - {201} <= {400, 409}
    final = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert (final["amount_refunded"], final["status"]) == (9000, "partially_refunded")


async def test_capture_racing_cancel_ends_consistent(api: httpx.AsyncClient) -> None:
    payment = await created(api, capture_method="manual")
    pid = payment["id"]
    capture, cancel = await asyncio.gather(
        api.post(f"/v1/payments/{pid}/capture", json={}), api.post(f"/v1/payments/{pid}/cancel")
    )
    final = (await api.get(f"/v1/payments/{pid}")).json()
    assert final["status"] in ("captured", "canceled", "refunded")
    assert capture.status_code in (200, 409) and cancel.status_code in (200, 409)
    if final["status"] == "canceled":
        assert final["amount_captured"] == 0


async def test_twenty_refunds_racing_never_exceed_the_capture(api: httpx.AsyncClient) -> None:
    payment = await created(api, amount=10_000)
    responses = await asyncio.gather(*(refund(api, payment["id"], amount=700) for _ in range(20)))

    assert sum(r.status_code == 201 for r in responses) == 14  # 14 x 700 = 9800 <= 10000
    final = (await api.get(f"/v1/payments/{payment['id']}")).json()
    assert (final["amount_refunded"], final["status"]) == (9800, "partially_refunded")
