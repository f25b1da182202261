"""A PayPal test server with state, for the local stack and the tests (`GATEWAY_KIND=paypal`):
Orders v2 (create, get, authorize), Payments v2 (authorizations: get, capture, void; captures:
get, refund), OAuth 2.0 client credentials, and the payer's approval page. Every request body
is checked against PayPal's published OpenAPI schemas (specs/, from
paypal/paypal-rest-api-specifications; devtools/scripts/vendor_paypal_specs.py copies them);
one that breaks them is a 400 `INVALID_REQUEST`, as PayPal answers. `/_fake/ledger` shows tests
what was applied; `/_fake/faults` turns on what PayPal documents (devtools/testservers/paypal/
books.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from devtools.testservers.challenge import choice_page, chosen_outcome
from devtools.testservers.paypal import operations as ops
from devtools.testservers.paypal import webhooks
from devtools.testservers.paypal.books import (
    PAYMENTS_REQUEST_ID_SECONDS,
    Books,
    Faults,
    PayPalError,
    new_id,
)
from payment_saga.domain.money import format_amount, from_decimal
from payment_saga.domain.urls import with_query

SPECS = Path(__file__).with_name("specs")
APPROVAL = (("approve", "Pay with PayPal"), ("cancel", "Cancel and return to the shop"))
RequestId = Annotated[str | None, Header(alias="PayPal-Request-Id")]
Answer = tuple[int, dict[str, Any]]


def validators() -> dict[str, Draft7Validator]:
    """Each request body's validator, from PayPal's schemas."""
    registry: Registry[Any] = Registry()
    for name in ("checkout_orders_v2", "payments_payment_v2", "notifications_webhooks_v1"):
        document = json.loads((SPECS / f"{name}.json").read_text())
        resource = Resource.from_contents(document, default_specification=DRAFT7)
        registry = registry.with_resource(f"urn:{name}", resource)
    bodies = {
        "order_request": "checkout_orders_v2", "order_authorize_request": "checkout_orders_v2",
        "capture_request": "payments_payment_v2", "refund_request": "payments_payment_v2",
        "verify_webhook_signature": "notifications_webhooks_v1",
    }  # fmt: skip
    return {
        body: Draft7Validator({"$ref": f"urn:{doc}#/components/schemas/{body}"}, registry=registry)
        for body, doc in bodies.items()
    }


class PayPalFake:
    def __init__(self, books: Books, base_url: str) -> None:
        self.books = books
        self.base_url = base_url
        self.validators = validators()

    def checked(self, schema: str, body: bytes) -> dict[str, Any]:
        """The body, or PayPal's 400 for one its schema refuses."""
        try:
            data = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise PayPalError(
                400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "not JSON"
            ) from None
        errors = sorted(self.validators[schema].iter_errors(data), key=lambda e: e.path)
        if errors:
            first = errors[0]
            field = "/" + "/".join(str(p) for p in first.path)
            raise PayPalError(
                400, "INVALID_REQUEST", "INVALID_PARAMETER_SYNTAX", f"{field}: {first.message}"
            )
        return data if isinstance(data, dict) else {}

    async def idempotent(
        self, api: str, request_id: str | None, run: Callable[[], Answer]
    ) -> Response:
        """PayPal-Request-Id: a repeat within the API's retention gets the first answer."""
        faults = self.books.faults
        keep = faults.orders_request_id_seconds if api == "orders" else PAYMENTS_REQUEST_ID_SECONDS
        stored = self.books.answers.get((api, request_id or ""))
        if request_id and stored and time.time() - stored[0] < keep:
            return JSONResponse(stored[2], stored[1])
        try:
            status, body = run()
        except PayPalError as refused:
            status, body = refused.status, refused.body
        if request_id:
            self.books.answers[(api, request_id)] = (time.time(), status, body)
        if status < 300 and faults.fail_after_applying > 0:
            faults.fail_after_applying -= 1
            failed = PayPalError(
                500, "INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", "applied, then failed"
            )
            return JSONResponse(failed.body, 500)
        if status < 300 and faults.lose_next > 0:
            faults.lose_next -= 1
            await asyncio.sleep(faults.lost_seconds)
        return JSONResponse(body, status)


def create_app(books: Books, base_url: str) -> FastAPI:
    app = FastAPI(title="PayPal test server")
    fake = PayPalFake(books, base_url)

    @app.exception_handler(PayPalError)
    async def refused(request: Request, error: PayPalError) -> JSONResponse:
        return JSONResponse(error.body, error.status)

    async def bearer(authorization: Annotated[str, Header()] = "") -> None:
        if not books.token_valid(authorization.removeprefix("Bearer ")):
            raise PayPalError(
                401, "AUTHENTICATION_FAILURE", "INVALID_TOKEN", "invalid or expired token"
            )

    api = [Depends(bearer)]

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/oauth2/token")
    async def token(authorization: Annotated[str, Header()] = "") -> JSONResponse:
        expected = base64.b64encode(f"{books.client_id}:{books.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client Authentication failed"},
                401,
            )
        issued = books.issue_token()
        return JSONResponse(
            {
                "access_token": issued,
                "token_type": "Bearer",
                "expires_in": int(books.faults.token_seconds),
            }
        )

    @app.post("/v2/checkout/orders", dependencies=api)
    async def create_order(request: Request, request_id: RequestId = None) -> Response:
        body = fake.checked("order_request", await request.body())
        return await fake.idempotent(
            "orders",
            request_id,
            lambda: (201, ops.order_json(books, ops.create_order(books, body), base_url)),
        )

    @app.get("/v2/checkout/orders/{order_id}", dependencies=api)
    async def get_order(order_id: str) -> dict[str, Any]:
        return ops.order_json(books, books.order(order_id), base_url)

    @app.post("/v2/checkout/orders/{order_id}/authorize", dependencies=api)
    async def authorize_order(
        order_id: str, request: Request, request_id: RequestId = None
    ) -> Response:
        fake.checked("order_authorize_request", await request.body())
        order = books.order(order_id)
        return await fake.idempotent(
            "orders",
            request_id,
            lambda: (
                201,
                ops.order_json(books, ops.authorize_order(books, order, request_id), base_url),
            ),
        )

    @app.get("/v2/payments/authorizations/{authorization_id}", dependencies=api)
    async def get_authorization(authorization_id: str) -> dict[str, Any]:
        return ops.authorization_json(books, books.authorization(authorization_id), base_url)

    @app.post("/v2/payments/authorizations/{authorization_id}/capture", dependencies=api)
    async def capture(
        authorization_id: str, request: Request, request_id: RequestId = None
    ) -> Response:
        body = fake.checked("capture_request", await request.body())
        auth = books.authorization(authorization_id)
        return await fake.idempotent(
            "payments",
            request_id,
            lambda: (201, ops.capture_json(ops.capture(books, auth, body, request_id))),
        )

    @app.post("/v2/payments/authorizations/{authorization_id}/void", dependencies=api)
    async def void(authorization_id: str, request_id: RequestId = None) -> Response:
        auth = books.authorization(authorization_id)
        return await fake.idempotent(
            "payments",
            request_id,
            lambda: (
                200,
                ops.authorization_json(books, ops.void(books, auth, request_id), base_url),
            ),
        )

    @app.get("/v2/payments/captures/{capture_id}", dependencies=api)
    async def get_capture(capture_id: str) -> dict[str, Any]:
        return ops.capture_json(books.capture_of(capture_id))

    @app.post("/v2/payments/captures/{capture_id}/refund", dependencies=api)
    async def refund(capture_id: str, request: Request, request_id: RequestId = None) -> Response:
        body = fake.checked("refund_request", await request.body())
        taken = books.capture_of(capture_id)
        return await fake.idempotent(
            "payments",
            request_id,
            lambda: (201, ops.refund_json(ops.refund(books, taken, body, request_id))),
        )

    @app.post("/v1/notifications/verify-webhook-signature", dependencies=api)
    async def verify_webhook(request: Request) -> dict[str, str]:
        asked = fake.checked("verify_webhook_signature", await request.body())
        return {"verification_status": "SUCCESS" if webhooks.verified(books, asked) else "FAILURE"}

    add_approval_routes(app, books)

    @app.get("/_fake/ledger")
    async def ledger(authorization: str = "", key_prefix: str = "") -> dict[str, Any]:
        entries = [
            e for e in books.ledger
            if (not authorization or e["authorization"] == authorization)
            and e["idempotency_key"].startswith(key_prefix)
        ]  # fmt: skip
        return {"entries": entries}

    @app.put("/_fake/faults")
    async def faults(body: dict[str, Any]) -> dict[str, Any]:
        books.faults = Faults(**body)
        return body

    add_dispute_routes(app, books)
    return app


def add_dispute_routes(app: FastAPI, books: Books) -> None:
    """A buyer opens a dispute on a capture, and PayPal resolves it (`outcome_code`), each sent
    as its webhook: what a sandbox buyer account and PayPal's resolution centre do."""

    @app.post("/_fake/disputes")
    async def open_dispute(body: dict[str, Any]) -> dict[str, Any]:
        """On `capture_id`, or the first capture of `authorization_id`."""
        held = body.get("authorization_id")
        if held is not None:
            body["capture_id"] = next(
                c.id for c in books.captures.values() if c.authorization_id == held
            )
        taken = books.capture_of(str(body["capture_id"]))
        dispute = {
            "dispute_id": f"PP-D-{new_id()}", "status": "OPEN",
            "reason": body.get("reason", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"),
            "dispute_life_cycle_stage": "CHARGEBACK", "dispute_channel": "EXTERNAL",
            "dispute_amount": {"currency_code": taken.currency, "value": taken.value},
            "disputed_transactions": [{"seller_transaction_id": taken.id}],
        }  # fmt: skip
        books.disputes[dispute["dispute_id"]] = dispute
        webhooks.dispatch(books, webhooks.dispute_event(dispute))
        return dispute

    @app.post("/_fake/disputes/{dispute_id}/resolve")
    async def resolve_dispute(dispute_id: str, body: dict[str, Any]) -> dict[str, Any]:
        dispute = books.disputes[dispute_id]
        dispute.update(status="RESOLVED", dispute_outcome={"outcome_code": body["outcome_code"]})
        webhooks.dispatch(books, webhooks.dispute_event(dispute))
        return dispute


def add_approval_routes(app: FastAPI, books: Books) -> None:
    """The payer's page: approve (back to the order's return_url with `token` and `PayerID`)
    or cancel (back to its cancel_url with `token`), as PayPal's checkout sends them."""

    @app.get("/checkoutnow")
    async def approval_page(token: str) -> Response:
        order = books.orders.get(token)
        if order is None:
            return HTMLResponse("<p>No such order.</p>", 404)
        state = "pending" if order.status == "PAYER_ACTION_REQUIRED" else order.status.lower()
        if state == "pending" and ops.approval_expired(books, order):
            state = "expired"
        amount = format_amount(from_decimal(order.value, order.currency), order.currency)
        return HTMLResponse(choice_page("PayPal", amount, state, APPROVAL))

    @app.post("/checkoutnow")
    async def approval_answer(token: str, request: Request) -> Response:
        order = books.orders.get(token)
        if order is None:
            return HTMLResponse("<p>No such order.</p>", 404)
        if chosen_outcome(await request.body(), APPROVAL) == "approve":
            ops.approve(books, order)
            if order.status == "APPROVED":
                webhooks.dispatch(books, webhooks.order_approved(order))
            payer = {"token": order.id, "PayerID": new_id()[:13]}
            back = with_query(order.return_url or "/", payer)
        else:
            back = with_query(order.cancel_url or "/", {"token": order.id})
        return RedirectResponse(back, status_code=303)


def main() -> None:
    from payment_saga.config import Settings

    settings = Settings()
    paypal = settings.paypal
    books = Books(
        paypal.client_id,
        paypal.client_secret.get_secret_value(),
        # Where the stack's API takes PayPal's notices (devtools/stack/processors.py).
        webhook_url=os.environ.get("PAYPAL_TEST_WEBHOOK_URL") or None,
        webhook_id=paypal.webhook_id,
    )
    base_url = f"http://{paypal.host}:{paypal.port}"
    uvicorn.run(
        create_app(books, base_url),
        host=paypal.host,
        port=paypal.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
