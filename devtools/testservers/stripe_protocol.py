"""The Stripe test server's HTTP side: each request checked by stripe-mock first (a request it
refuses is refused here, with its answer), idempotency keys kept as Stripe keeps them, the
faults switched on, then routed to the PaymentIntents (devtools/testservers/stripe_intents.py)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from devtools.testservers.stripe_books import FORWARDED_HEADERS, Books, error, expanded, flat_form
from devtools.testservers.stripe_intents import StripeFake


class StripeProtocol:
    def __init__(self, fake: StripeFake, mock: httpx.AsyncClient) -> None:
        self.fake = fake
        self._mock = mock

    @property
    def books(self) -> Books:
        """The PaymentIntents' books: one set, read through them, not a second reference."""
        return self.fake.books

    async def check(
        self,
        method: str,
        path: str,
        query: Any = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """stripe-mock's answer: a refusal if the request breaks Stripe's OpenAPI."""
        headers = headers or {"authorization": "Bearer sk_test_health"}
        return await self._mock.request(method, path, params=query, content=body, headers=headers)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        checked = await self.check(
            request.method, request.url.path, request.query_params, body, headers
        )
        if checked.status_code >= 400:
            return Response(checked.content, checked.status_code, media_type="application/json")
        if self.books.faults.outage:
            return JSONResponse(error(500, "api_error", "api_error", "outage")[1], 500)
        key = request.headers.get("idempotency-key")
        form = flat_form(body)
        status, answer = self._idempotent(request, key, form, checked.json())
        if status < 300 and "latest_charge" in expanded(request.query_params, form):
            answer = self._with_charge(answer)
        if request.method == "POST" and status < 300 and self.books.faults.lose_next > 0:
            self.books.faults.lose_next -= 1
            await asyncio.sleep(self.books.faults.lost_seconds)
        return JSONResponse(answer, status)

    def _with_charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge = self.books.charges.get(str(intent.get("latest_charge")))
        return {**intent, "latest_charge": charge} if charge is not None else intent

    def _idempotent(
        self, request: Request, key: str | None, form: dict[str, str], shape: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if request.method != "POST" or key is None:
            return self.route(request.method, request.url.path, request.query_params, form, shape)
        signature = hashlib.sha256(
            f"{request.url.path}?{sorted(form.items())}".encode()
        ).hexdigest()
        stored = self.books.answers.get(key)
        if stored is not None:
            if stored[0] != signature:
                return error(
                    400,
                    "idempotency_error",
                    "idempotency_key_in_use",
                    "Keys for idempotent requests can only be used with the same"
                    " parameters they were first used with.",
                )
            return stored[1], stored[2]
        status, answer = self.route(
            "POST", request.url.path, request.query_params, form, shape, key
        )
        if status < 300 and self.books.faults.fail_after_applying > 0:
            self.books.faults.fail_after_applying -= 1
            status, answer = error(500, "api_error", "api_error", "applied, then failed")
            self.books.answers[key] = (signature, status, answer)
        if status < 500:
            self.books.answers[key] = (signature, status, answer)
        return status, answer

    def route(
        self,
        method: str,
        path: str,
        query: Any,
        form: dict[str, str],
        shape: dict[str, Any],
        key: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")[1:]  # without the "v1"
        match (method, parts):
            case ("POST", ["payment_methods"]):
                return self.fake.create_method(form, shape)
            case ("GET", ["payment_methods", method_id]):
                return self.fake.method(method_id, shape)
            case ("POST", ["payment_intents"]):
                return self.fake.authorize(form, shape, key)
            case ("GET", ["payment_intents", "search"]):
                return self.fake.search(query.get("query", ""), shape)
            case ("GET", ["payment_intents", intent_id]):
                return self.fake.intent(intent_id, shape)
            case ("POST", ["payment_intents", intent_id, "capture"]):
                return self.fake.capture(intent_id, form, shape, key)
            case ("POST", ["payment_intents", intent_id, "cancel"]):
                return self.fake.cancel(intent_id, shape, key)
            case ("POST", ["refunds"]):
                return self.fake.refund(form, shape, key)
            case ("GET", ["refunds"]):
                return self.fake.list_refunds(query.get("payment_intent", ""), shape)
            case ("GET", ["balance_transactions"]):
                sources = {**self.books.charges, **self.books.refunds}
                listed = self.books.balance.list_transactions(
                    query, shape, sources, expanded(query, form)
                )
                return 200, listed
            case ("GET", ["payouts"]):
                return 200, self.books.balance.list_payouts(query, shape)
        return 200, shape  # anything else: stripe-mock's answer as it is
