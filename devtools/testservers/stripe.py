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

import asyncio
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from devtools.testservers.stripe_actions import add_challenge_routes, ask_for_customer
from devtools.testservers.stripe_balance import Balance, new_id
from payment_saga.domain.cards import brand_of

# Stripe's documented test payment methods, by the card number each stands for.
TEST_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecureOptional": "4000000000003055",
}
# Stripe's test cards that decline: (code, decline_code, message).
DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000000069": ("expired_card", None, "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "4000000000000119": ("processing_error", None, "An error occurred while processing your card."),
}
THREE_D_SECURE_CARD = "4000002760003184"
# "3D Secure supported": authenticated only when the confirm requests it
# (`payment_method_options[card][request_three_d_secure]=any`).
THREE_D_SECURE_SUPPORTED_CARD = "4000000000003055"
REQUEST_THREE_D_SECURE = "payment_method_options[card][request_three_d_secure]"
# Stripe's test cards by funding ("Testing", cards by brand); any other is credit.
FUNDING = {
    "4000056655665556": "debit",
    "5200828282828210": "debit",
    "5105105105105100": "prepaid",
}
HOLD_SECONDS = 7 * 24 * 3600
FORWARDED_HEADERS = ("authorization", "content-type", "stripe-version")
SEARCH = re.compile(r"^metadata\['(?P<field>[\w-]+)'\]:'(?P<value>[^']*)'$")


class Faults(BaseModel):
    # The next N successful POSTs are applied, but answered only after `lost_seconds`.
    lose_next: int = 0
    lost_seconds: float = 5.0
    outage: bool = False
    # Stripe cancels an uncaptured PaymentIntent by itself when the card network's window ends
    # (7 days for online card payments; `capture_before` on the charge says when), then refuses
    # its capture and cancel (`payment_intent_unexpected_state`). Tests shorten the window.
    hold_seconds: float = HOLD_SECONDS
    # Stripe's Search is not read-after-write ("data is usually searchable in under a minute,
    # propagation can be delayed during an outage"): a PaymentIntent shows in search results
    # only this long after it was made.
    search_lag_seconds: float = 0.0
    # The next N successful POSTs are applied, then answered 500 (Stripe: "indeterminate");
    # as Stripe does, the 500 is kept under the idempotency key and answered to its retries.
    fail_after_applying: int = 0
    # A payout is `pending`, then `in_transit`, before it is `paid` (or `failed`): the status
    # `/_fake/payouts` gives the next one. Until paid, the day's settlement is not final.
    payout_status: Literal["paid", "pending", "in_transit", "failed", "canceled"] = "paid"


@dataclass
class Books:
    # Payment method id -> card number (this is a processor's vault, in memory only).
    methods: dict[str, str] = field(default_factory=lambda: dict(TEST_METHODS))
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The charge made by each authorization, shown when a request expands `latest_charge`.
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # Balance transactions and payouts: what Stripe settled (stripe_balance.py).
    balance: Balance = field(default_factory=Balance)

    def applied(self, operation: str, key: str | None, intent: str, amount: int) -> None:
        self.ledger.append(
            {
                "operation": operation,
                "idempotency_key": key or "",
                "payment_intent": intent,
                "amount": amount,
                "at": time.time(),
            }
        )


def flat_form(body: bytes) -> dict[str, str]:
    """Stripe's form encoding (`metadata[key]=v`), kept flat: the handlers read named fields."""
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def error(
    status: int, kind: str, code: str, message: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": kind, "code": code, "message": message, **extra}}


def metadata_of(form: dict[str, str]) -> dict[str, str]:
    return {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}


def expanded(query: Any, form: dict[str, str]) -> set[str]:
    """The fields a request expands (`expand[]=...` or `expand[0]=...`, in query or form)."""
    pairs = [*query.multi_items(), *form.items()]
    return {value for name, value in pairs if name.startswith("expand[")}


class StripeFake:
    def __init__(self, books: Books, mock: httpx.AsyncClient, base_url: str) -> None:
        self.books = books
        self._mock = mock
        # Where browsers reach this server: the 3-D Secure page's address.
        self.base_url = base_url

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
                return self.create_method(form, shape)
            case ("GET", ["payment_methods", method_id]):
                return self.method(method_id, shape)
            case ("POST", ["payment_intents"]):
                return self.authorize(form, shape, key)
            case ("GET", ["payment_intents", "search"]):
                return self.search(query.get("query", ""), shape)
            case ("GET", ["payment_intents", intent_id]):
                return self.intent(intent_id, shape)
            case ("POST", ["payment_intents", intent_id, "capture"]):
                return self.capture(intent_id, form, shape, key)
            case ("POST", ["payment_intents", intent_id, "cancel"]):
                return self.cancel(intent_id, shape, key)
            case ("POST", ["refunds"]):
                return self.refund(form, shape, key)
            case ("GET", ["refunds"]):
                return self.list_refunds(query.get("payment_intent", ""), shape)
            case ("GET", ["balance_transactions"]):
                sources = {**self.books.charges, **self.books.refunds}
                listed = self.books.balance.list_transactions(
                    query, shape, sources, expanded(query, form)
                )
                return 200, listed
            case ("GET", ["payouts"]):
                return 200, self.books.balance.list_payouts(query, shape)
        return 200, shape  # anything else: stripe-mock's answer as it is

    def create_method(
        self, form: dict[str, str], shape: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        method_id = new_id("pm")
        self.books.methods[method_id] = form.get("card[number]", "")
        return self.method(method_id, shape)

    def method(self, method_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        number = self.books.methods.get(method_id)
        if number is None:
            return error(
                404,
                "invalid_request_error",
                "resource_missing",
                f"No such PaymentMethod: '{method_id}'",
                param="payment_method",
            )
        card = {
            **shape.get("card", {}),
            "brand": brand_of(number),
            "last4": number[-4:],
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
            "funding": FUNDING.get(number, "credit"),
        }
        return 200, {**shape, "id": method_id, "type": "card", "card": card}

    def authorize(
        self, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        number = self.books.methods.get(form.get("payment_method", ""))
        if number is None:
            return error(
                400,
                "invalid_request_error",
                "resource_missing",
                "No such PaymentMethod",
                param="payment_method",
            )
        amount = int(form["amount"])
        intent = {
            **shape,
            "id": new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "currency": form["currency"],
            "capture_method": form.get("capture_method"),
            "payment_method": form["payment_method"],
            "amount_capturable": amount,
            "amount_received": 0,
            "latest_charge": None,
            "status": "requires_capture",
            "last_payment_error": None,
            "canceled_at": None,
            "metadata": metadata_of(form),
        }
        self.books.intents[intent["id"]] = intent
        self._charge(intent)
        requested = form.get(REQUEST_THREE_D_SECURE) == "any"
        if number == THREE_D_SECURE_CARD or (requested and number == THREE_D_SECURE_SUPPORTED_CARD):
            return ask_for_customer(intent, form, self.base_url)
        if number in DECLINES:
            code, decline_code, message = DECLINES[number]
            failure = {
                "type": "card_error",
                "code": code,
                "decline_code": decline_code,
                "message": message,
            }
            intent.update(
                status="requires_payment_method", amount_capturable=0, last_payment_error=failure
            )
            return 402, {"error": {**failure, "payment_intent": intent}}
        self.books.applied("authorize", key, intent["id"], amount)
        return 200, intent

    def _charge(self, intent: dict[str, Any]) -> None:
        """The authorization's charge, with the time Stripe will cancel it by itself."""
        now = int(time.time())
        charge_id = new_id("ch")
        card = {"capture_before": now + int(self.books.faults.hold_seconds)}
        self.books.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "payment_intent": intent["id"],
            "payment_method_details": {"type": "card", "card": card},
        }
        intent.update(created=now, latest_charge=charge_id)

    def intent(self, intent_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.books.intents.get(intent_id)
        if intent is None:
            return error(
                404,
                "invalid_request_error",
                "resource_missing",
                f"No such payment_intent: '{intent_id}'",
            )
        self.expire_if_due(intent)
        return 200, intent

    def expire_if_due(self, intent: dict[str, Any]) -> None:
        """Stripe cancels an uncaptured PaymentIntent by itself once `capture_before` passes."""
        charge = self.books.charges.get(str(intent.get("latest_charge")), {})
        until = charge.get("payment_method_details", {}).get("card", {}).get("capture_before")
        if intent["status"] == "requires_capture" and until and time.time() >= until:
            intent.update(
                status="canceled",
                cancellation_reason="automatic",
                amount_capturable=0,
                canceled_at=int(until),
            )
            # Under the key of the authorization it ends, so tests find it with its payment.
            authorized = [e for e in self.books.ledger if e["payment_intent"] == intent["id"]]
            key = authorized[0]["idempotency_key"] if authorized else ""
            self.books.applied("expire", key, intent["id"], 0)

    def search(self, query: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        wanted = SEARCH.match(query)
        if wanted is None:
            return error(400, "invalid_request_error", "parameter_invalid", "unsupported query")
        searchable_before = time.time() - self.books.faults.search_lag_seconds
        found = [
            i
            for i in self.books.intents.values()
            if i["metadata"].get(wanted["field"]) == wanted["value"]
            and i.get("created", 0) <= searchable_before
        ]
        return 200, {**shape, "data": found, "has_more": False}

    def capture(
        self, intent_id: str, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(intent_id, shape)
        if status != 200:
            return status, intent
        if intent["status"] != "requires_capture":
            return _unexpected_state(intent, "captured")
        amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
        if not 0 < amount <= intent["amount_capturable"]:
            return error(
                400,
                "invalid_request_error",
                "amount_too_large",
                "The amount to capture exceeds the capturable amount.",
            )
        intent.update(
            status="succeeded",
            amount_capturable=0,
            amount_received=amount,
        )
        self.books.applied("capture", key, intent_id, amount)
        self.books.balance.charged(str(intent["latest_charge"]), amount, intent["currency"])
        return 200, intent

    def cancel(
        self, intent_id: str, shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(intent_id, shape)
        if status != 200:
            return status, intent
        if intent["status"] not in (
            "requires_capture",
            "requires_payment_method",
            "requires_action",
        ):
            return _unexpected_state(intent, "canceled")
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()))
        self.books.applied("void", key, intent_id, 0)
        return 200, intent

    def refund(
        self, form: dict[str, str], shape: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, intent = self.intent(form.get("payment_intent", ""), shape)
        if status != 200:
            return status, intent
        refunded = sum(
            r["amount"] for r in self.books.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(form.get("amount", intent["amount_received"] - refunded))
        if (
            intent["status"] != "succeeded"
            or not 0 < amount <= intent["amount_received"] - refunded
        ):
            return error(
                400,
                "invalid_request_error",
                "charge_already_refunded",
                "The refund exceeds what is left of the charge.",
            )
        refund = {
            **shape,
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": metadata_of(form),
        }
        self.books.refunds[refund["id"]] = refund
        self.books.applied("refund", key, intent["id"], amount)
        self.books.balance.refunded(refund["id"], amount, intent["currency"])
        return 200, refund

    def list_refunds(self, intent_id: str, shape: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = [r for r in self.books.refunds.values() if r["payment_intent"] == intent_id]
        return 200, {**shape, "data": found, "has_more": False}


def _unexpected_state(intent: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
    return error(
        400,
        "invalid_request_error",
        "payment_intent_unexpected_state",
        f"This PaymentIntent could not be {action} because it has a status of {intent['status']}.",
        payment_intent=intent,
    )


def create_app(
    mock_url: str, books: Books | None = None, base_url: str = "http://stripe.test"
) -> FastAPI:
    app = FastAPI(title="Stripe test server (stripe-mock with state)")
    mock = httpx.AsyncClient(base_url=mock_url, timeout=10)
    fake = StripeFake(books or Books(), mock, base_url)

    def authorized(intent: dict[str, Any]) -> None:
        key = intent.get("metadata", {}).get("payment_saga_key")
        fake.books.applied("authorize", key, intent["id"], intent["amount"])

    add_challenge_routes(app, fake.books.intents, authorized)

    @app.get("/health")
    async def health() -> JSONResponse:
        # Healthy once stripe-mock answers too: every request goes through it.
        try:
            checked = await fake.check("GET", "/v1/balance")
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

    app.add_api_route("/v1/{path:path}", fake.handle, methods=["GET", "POST", "DELETE"])
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
