"""Listing, pagination, timelines and the small informational routes."""

from __future__ import annotations

import uuid

import httpx

from payment_saga.config import Settings
from tests.e2e.conftest import create, payment_body


async def test_list_is_newest_first_with_cursor_pagination(api: httpx.AsyncClient) -> None:
    order_id = f"ord_{uuid.uuid4().hex[:10]}"
    ids = [(await create(api, payment_body(order_id=order_id))).json()["id"] for _ in range(3)]

    page = (await api.get("/v1/payments", params={"order_id": order_id, "limit": 2})).json()
    assert [p["id"] for p in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True
    rest = (
        await api.get(
            "/v1/payments",
            params={"order_id": order_id, "limit": 2, "starting_after": page["data"][-1]["id"]},
        )
    ).json()
    assert [p["id"] for p in rest["data"]] == [ids[0]]
    assert rest["has_more"] is False
    by_status = await api.get("/v1/payments", params={"order_id": order_id, "status": "failed"})
    assert by_status.json()["data"] == []


async def test_a_payment_is_found_by_its_or_its_refunds_processor_id(
    api: httpx.AsyncClient,
) -> None:
    """An operator holding a processor's report or dashboard looks a payment up by the id the
    processor gave it, or gave one of its refunds; the list was not narrowed by it before."""
    payment = (await create(api)).json()
    refund = await api.post(
        f"/v1/payments/{payment['id']}/refunds",
        json={"amount": 100},
        headers={"Idempotency-Key": uuid.uuid4().hex, "Prefer": "wait=15"},
    )
    assert refund.status_code == 201, refund.text
    refund_reference = refund.json()["gateway_reference"]
    assert refund_reference and refund_reference != payment["gateway_reference"]

    for reference in (payment["gateway_reference"], refund_reference):
        found = (await api.get("/v1/payments", params={"gateway_reference": reference})).json()
        assert [p["id"] for p in found["data"]] == [payment["id"]], reference
    nothing = await api.get("/v1/payments", params={"gateway_reference": "ch_never_made"})
    assert nothing.json()["data"] == []


async def test_timeline_shows_attempts_and_state_changes_in_order(
    api: httpx.AsyncClient,
) -> None:
    payment = (await create(api)).json()
    timeline = (await api.get(f"/v1/payments/{payment['id']}/timeline")).json()["data"]

    described = [e["detail"].get("operation") or e["detail"]["event"] for e in timeline]
    assert described == ["authorize", "payment.authorized", "capture", "payment.succeeded"]


async def test_info_methods_and_metrics(api: httpx.AsyncClient, settings: Settings) -> None:
    assert (await api.get("/v1/_info")).json()["service"] == "payment-saga"
    methods = {m["type"]: m for m in (await api.get("/v1/payment-methods")).json()["data"]}
    card = methods["card"]
    assert card["enabled"] and "amex" in card["card"]["brands"]
    assert card["card"]["three_d_secure"] and settings.gateway.kind in card["card"]["processors"]
    assert methods["paypal"] == {"type": "paypal", "enabled": True, "card": None}  # GATEWAY_PAYPAL
    assert (await api.get("/metrics")).status_code == 404  # not for callers
    token = settings.codec.operator_token
    assert token is not None
    operator = {"Authorization": f"Bearer {token.get_secret_value()}"}
    metrics = (await api.get("/metrics", headers=operator)).text
    assert 'api_requests_total{method="GET",route="/v1/_info",status="200"}' in metrics


async def test_openapi_documents_every_route_and_error(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    v1 = {path: ops for path, ops in spec["paths"].items() if path.startswith("/v1/payments")}
    assert len(v1) == 7
    for path, operations in v1.items():
        for operation in operations.values():
            # The customer's return takes no key: a browser comes to it (docs/api.md).
            expected = {"303", "404"} if path.endswith("/return") else {"400", "401", "404"}
            assert expected <= set(operation["responses"]), path
    assert "ErrorOut" in spec["components"]["schemas"]
