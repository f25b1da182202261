"""An Authorize.Net test server for the local stack and the tests (`GATEWAY_KIND=authorizenet`).

Authorize.Net's sandbox is not reachable from here, so this follows its published JSON API:
`POST /xml/v1/request.api` with the request's name as the root, keys in the schema's order
(AnetApiSchema.xsd; a key out of order is refused with E00003, as the real API does), answers
starting with a byte order mark, and the sandbox's rules for test cards: card 4222222222222
answers with the response reason code equal to the amount in dollars (e.g. $2.00 declines,
$44.00 is a card code mismatch), an expired card gets reason 8. Customer payment profiles are
the tokens; `/_fake/accept` does what Accept.js does in a browser (card in, opaque data out).
`/_fake/ledger` shows tests what was applied; `/_fake/faults` loses answers.
"""

from __future__ import annotations

import secrets
from typing import Any

import uvicorn
from fastapi import FastAPI

from devtools.testservers.authorizenet_batches import settlement_time
from devtools.testservers.authorizenet_books import AcceptCard, Books, Faults
from devtools.testservers.authorizenet_transactions import AuthorizeNetFake


def create_app(login_id: str, transaction_key: str) -> FastAPI:
    app = FastAPI(title="Authorize.Net test server")
    fake = AuthorizeNetFake(Books(login_id, transaction_key))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/_fake/accept")
    async def accept(card: AcceptCard) -> dict[str, Any]:
        value = "eyJ" + secrets.token_urlsafe(24)
        fake.books.nonces[value] = {
            "number": card.cardNumber,
            "expiration": f"{card.year}-{card.month}",
        }
        return {"opaqueData": {"dataDescriptor": "COMMON.ACCEPT.INAPP.PAYMENT", "dataValue": value}}

    @app.get("/_fake/ledger")
    async def ledger(authorization: str = "") -> dict[str, Any]:
        fake.books.expire_holds()  # holds past their window show as expired
        return {
            "entries": [
                e
                for e in fake.books.ledger
                if not authorization or e["authorization"] == authorization
            ]
        }

    @app.post("/_fake/settle")
    async def settle(day: str | None = None) -> dict[str, Any]:
        """Close a batch of everything not settled yet, as the daily cut-off does (`day`: as
        at a later day's cut-off)."""
        return {"batch": fake.books.close_batch(lambda _: True, settlement_time(day))}

    @app.put("/_fake/faults")
    async def faults(body: Faults) -> Faults:
        fake.books.faults = body
        return body

    app.add_api_route("/xml/v1/request.api", fake.handle, methods=["POST"])
    return app


def main() -> None:
    from payment_saga.config import Settings

    settings = Settings().authorizenet
    app = create_app(settings.login_id, settings.transaction_key.get_secret_value())
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
