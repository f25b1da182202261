"""The gateway simulator's HTTP service (`payment-saga-gateway`).

Idempotent by `Idempotency-Key`, with configurable latency, transient failures, lost responses,
an outage switch and authorization expiry; `/v1/ledger` shows tests what was really applied;
`/v1/settlements/{day}` reports what settled (settlement.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from devtools.testservers.challenge import challenge_page, chosen_outcome, closed_page
from devtools.testservers.simulator.books import (
    Answer,
    AuthorizeRequest,
    Faults,
    Processor,
    _error,
)
from devtools.testservers.simulator.settlement import FeeSchedule, Settlements, page
from payment_saga.config import Settings
from payment_saga.domain.money import format_amount
from payment_saga.observability.logs import configure_logging

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1)]
LOST_RESPONSE = Answer(504, {"error": {"code": "gateway_timeout", "message": "no response"}})


class TokenBody(BaseModel):
    number: str
    exp_month: int
    exp_year: int
    cvc: str


class AuthorizeBody(BaseModel):
    token: str
    amount: int
    currency: str
    return_url: str | None = None
    request_three_d_secure: str | None = None


class AmountBody(BaseModel):
    # A void sends no amount; a bad one is a 422 from validation, not a 500.
    amount: int = 0


class FaultsBody(BaseModel):
    latency_ms: int = 0
    failure_rate: float = 0.0
    lost_response_rate: float = 0.0
    outage: bool = False
    hold_seconds: float | None = None
    drop_returns: bool = False


def _reply(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status_code)


def create_app(processor: Processor, settlements: Settlements | None = None) -> FastAPI:
    app = FastAPI(title="payment gateway simulator")
    settlements = settlements or Settlements()

    async def faulted() -> Answer | None:
        faults = processor.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000 * random.uniform(0.5, 1.5))
        if faults.outage:
            return _error(503, "gateway_unavailable", "the gateway is down")
        if random.random() < faults.failure_rate:
            return _error(503, "processing_error", "injected transient failure")
        return None

    async def mutate(key: str, request: dict[str, Any], apply: Any) -> JSONResponse:
        injected = await faulted()
        if injected is not None:
            return _reply(injected)
        first_time = key not in processor.answers
        answer, lose = processor.idempotent(key, request, apply)
        card = processor.tokens.get(str(request.get("token")))
        if first_time and answer.status_code < 300 and card is not None and card.lost_response:
            lose = True
        return _reply(LOST_RESPONSE if lose else answer)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/tokens")
    async def tokenize(body: TokenBody) -> JSONResponse:
        injected = await faulted()
        if injected is not None:
            return _reply(injected)
        return JSONResponse(processor.tokenize(body.number, body.exp_month, body.exp_year))

    @app.get("/v1/tokens/{token}")
    async def describe(token: str) -> JSONResponse:
        card = processor.token_cards.get(token)
        if card is None:
            return _reply(_error(404, "resource_missing", "no such token"))
        return JSONResponse(card)

    @app.post("/v1/authorizations")
    async def authorize(body: AuthorizeBody, key: IdempotencyKey, http: Request) -> JSONResponse:
        request = {"op": "authorize", **body.model_dump()}
        asked = AuthorizeRequest(**body.model_dump(), page_base=str(http.base_url) + "v1")
        return await mutate(key, request, lambda: processor.authorize(key, asked))

    @app.get("/v1/challenges/{authorization_id}")
    async def challenge(authorization_id: str) -> Response:
        auth = processor.authorizations.get(authorization_id)
        if auth is None or auth.authentication == "not_required":
            return _reply(_error(404, "resource_missing", "no such challenge"))
        amount = format_amount(auth.amount, auth.currency)
        return HTMLResponse(challenge_page(amount, auth.authentication))

    @app.post("/v1/challenges/{authorization_id}")
    async def answer_challenge(authorization_id: str, http: Request) -> Response:
        """The customer's choice on the page; then back to the merchant, as an issuer's
        authentication page sends them (unless `drop_returns`: the browser was closed)."""
        auth = processor.authorizations.get(authorization_id)
        if auth is None or auth.authentication == "not_required":
            return _reply(_error(404, "resource_missing", "no such challenge"))
        processor.authenticate(auth, chosen_outcome(await http.body()) == "complete")
        if processor.faults.drop_returns or auth.return_url is None:
            return HTMLResponse(closed_page(f"Authentication {auth.authentication}."))
        return RedirectResponse(auth.return_url, status_code=303)

    @app.get("/v1/authorizations/{authorization_id}")
    async def authorization(authorization_id: str) -> JSONResponse:
        auth = processor.authorizations.get(authorization_id)
        if auth is None:
            return _reply(_error(404, "resource_missing", "no such authorization"))
        shown = {k: v for k, v in asdict(auth).items() if k != "behaviour"}
        return JSONResponse({**shown, "status": processor.hold_status(auth)})

    @app.post("/v1/authorizations/{authorization_id}/{operation}")
    async def operate(
        authorization_id: str, operation: str, key: IdempotencyKey, body: AmountBody | None = None
    ) -> JSONResponse:
        auth = processor.authorizations.get(authorization_id)
        if auth is None or operation not in ("capture", "void", "refunds"):
            return _reply(_error(404, "resource_missing", "no such authorization or operation"))
        amount = body.amount if body is not None else 0
        params = {"op": operation, "authorization_id": authorization_id, "amount": amount}
        if operation == "capture":
            return await mutate(key, params, lambda: processor.capture(key, auth, amount))
        if operation == "void":
            return await mutate(key, params, lambda: processor.void(key, auth))
        return await mutate(key, params, lambda: processor.refund(key, auth, amount))

    @app.get("/v1/operations/{key:path}")
    async def lookup(key: str) -> JSONResponse:
        processor.lookups.append(key)
        stored = processor.answers.get(key)
        if stored is None:
            return _reply(_error(404, "resource_missing", "no operation under that key"))
        answer = stored[1]
        return JSONResponse({"status_code": answer.status_code, "response": answer.body})

    @app.get("/v1/ledger")
    async def ledger(key_prefix: str = "") -> dict[str, Any]:
        processor.expire_due()
        entries = [asdict(e) for e in processor.ledger if e.idempotency_key.startswith(key_prefix)]
        lookups = [k for k in processor.lookups if k.startswith(key_prefix)]
        return {"entries": entries, "lookups": lookups}

    @app.post("/v1/admin/refunds/{reference}/fail")
    async def fail_refund(reference: str) -> JSONResponse:
        failed = processor.fail_refund(reference)
        if failed is None:
            return _reply(_error(404, "resource_missing", "no such refund"))
        return JSONResponse(asdict(failed))

    add_settlement_routes(app, processor, settlements)

    @app.put("/v1/admin/faults")
    async def set_faults(body: FaultsBody) -> dict[str, Any]:
        processor.faults = Faults(**body.model_dump())
        return asdict(processor.faults)

    return app


def add_settlement_routes(app: FastAPI, processor: Processor, settlements: Settlements) -> None:
    """The day's settlement report, paged, and the test's early close of the open batch."""

    @app.get("/v1/settlements/{day}")
    async def report(
        day: date,
        starting_after: str | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 100,
    ) -> JSONResponse:
        now = time.time()
        settlements.close_due(processor.ledger, processor.authorizations, now)
        items = settlements.report(day, now)
        if items is None:
            return _reply(_error(404, "report_not_ready", f"{day} has not reached its cut-off"))
        found = page(items, starting_after, limit)
        if found is None:
            return _reply(_error(400, "resource_missing", "starting_after is not in the report"))
        chosen, more = found
        data = [{"object": "settlement_item", **asdict(item)} for item in chosen]
        return JSONResponse(
            {"object": "list", "settlement_date": day.isoformat(), "has_more": more, "data": data}
        )

    @app.post("/v1/admin/settlements/close")
    async def close_batch(day: date | None = None) -> dict[str, Any]:
        """Close the open batch now, or (`day`, a later one) as at that day's cut-off: tests
        of days passing (escalation) without waiting for them."""
        at = time.time() if day is None else max(time.time(), settlements.cutoff_of(day))
        batch = settlements.close(processor.ledger, processor.authorizations, at)
        return {"settled": len(batch), "items": [asdict(item) for item in batch]}


def main() -> None:
    settings = Settings()
    books = settings.gateway.books_path
    processor = Processor(
        authorization_ttl_seconds=settings.gateway.authorization_ttl_seconds,
        books_path=Path(books) if books else None,
    )
    processor.restore()
    gateway = settings.gateway
    settlements = Settlements(
        FeeSchedule(gateway.settlement_fee_basis_points, gateway.settlement_fee_fixed),
        gateway.settlement_cutoff_hour,
        Path(books + ".settlements") if books else None,
    )
    settlements.restore()
    processor.faults = Faults(
        latency_ms=settings.gateway.latency_ms, failure_rate=settings.gateway.failure_rate
    )
    configure_logging("gateway-simulator", settings.log_level)
    uvicorn.run(
        create_app(processor, settlements),
        host=settings.gateway.host,
        port=settings.gateway.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
