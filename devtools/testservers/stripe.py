"""A Stripe test server with state, for the local stack and the tests (`GATEWAY_KIND=stripe`).

stripe-mock (Stripe's own) checks every request against Stripe's OpenAPI and answers with a
correctly shaped object, but keeps no state: a confirmed PaymentIntent still reads
`requires_payment_method`. This server sends each request to stripe-mock first (a request it
refuses is refused here, with its answer), then answers from its own books, using stripe-mock's
object as the shape: PaymentIntents that authorize, capture, cancel and refund, Stripe's test
cards and `pm_card_*` test payment methods, idempotency keys as Stripe keeps them, and search by
metadata. `/_fake/ledger` shows tests what was applied; `/_fake/faults` loses answers or fails.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from devtools.testservers.stripe_actions import add_challenge_routes
from devtools.testservers.stripe_books import Books, Faults
from devtools.testservers.stripe_intents import StripeFake
from devtools.testservers.stripe_protocol import StripeProtocol


def create_app(
    mock_url: str, books: Books | None = None, base_url: str = "http://stripe.test"
) -> FastAPI:
    app = FastAPI(title="Stripe test server (stripe-mock with state)")
    mock = httpx.AsyncClient(base_url=mock_url, timeout=10)
    fake = StripeFake(books or Books(), base_url)
    server = StripeProtocol(fake, mock)

    def authorized(intent: dict[str, Any]) -> None:
        key = intent.get("metadata", {}).get("payment_saga_key")
        fake.books.applied("authorize", key, intent["id"], intent["amount"])

    add_challenge_routes(app, fake.books.intents, authorized)

    @app.get("/health")
    async def health() -> JSONResponse:
        # Healthy once stripe-mock answers too: every request goes through it.
        try:
            checked = await server.check("GET", "/v1/balance")
        except httpx.TransportError as failure:
            return JSONResponse({"status": f"stripe-mock unreachable: {failure!r}"}, 503)
        return JSONResponse(
            {"status": "ok" if checked.is_success else "stripe-mock refused"},
            200 if checked.is_success else 503,
        )

    @app.get("/_fake/ledger")
    async def ledger(key_prefix: str = "") -> dict[str, Any]:
        for intent in fake.books.intents.values():
            fake.expire_if_due(intent)  # holds past their window show as expired
        entries = [e for e in fake.books.ledger if e["idempotency_key"].startswith(key_prefix)]
        return {"entries": entries}

    @app.post("/_fake/payouts")
    async def payouts(day: date | None = None) -> dict[str, Any]:
        """Pay out what is not paid out yet, arriving `day` (today), as an automatic payout."""
        return fake.books.balance.pay_out(day, fake.books.faults.payout_status)

    @app.post("/_fake/payouts/{payout_id}/arrive")
    async def arrive(payout_id: str) -> dict[str, Any]:
        """A payout in transit reaches the bank: `paid`."""
        return fake.books.balance.arrived(payout_id)

    @app.put("/_fake/faults")
    async def faults(body: Faults) -> Faults:
        fake.books.faults = body
        return body

    app.add_api_route("/v1/{path:path}", server.handle, methods=["GET", "POST", "DELETE"])
    return app


def main() -> None:
    from payment_saga.config import Settings

    settings = Settings()
    mock_url = f"http://{settings.stripe.host}:{settings.stripe.mock_port}"
    base_url = f"http://{settings.stripe.host}:{settings.stripe.port}"
    uvicorn.run(
        create_app(mock_url, base_url=base_url),
        host=settings.stripe.host,
        port=settings.stripe.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
