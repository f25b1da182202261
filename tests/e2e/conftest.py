"""The API as the order service uses it: HTTP to the running API process, with an API key."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def payment_body(card: str = "4242424242424242", **overrides: Any) -> dict[str, Any]:
    cvc = "1234" if card.startswith(("34", "37")) else "123"
    body: dict[str, Any] = {
        "order_id": f"ord_{uuid.uuid4().hex[:12]}",
        "amount": 2500,
        "currency": "USD",
        "payment_method": {
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": cvc},
        },
    }
    body.update(overrides)
    return body


async def create(
    api: httpx.AsyncClient, body: dict[str, Any] | None = None, wait: int | None = 10
) -> httpx.Response:
    headers = new_key()
    if wait is not None:
        headers["Prefer"] = f"wait={wait}"
    return await api.post("/v1/payments", json=body or payment_body(), headers=headers)
