"""`PaymentGateway` for PayPal: Orders v2 and Payments v2 over its REST API (httpx).

Not PayPal's server SDK (paypal-server-sdk): it is synchronous (requests) and fixes its base
URLs per environment, and every activity here is async on one event loop (docs/processors.md,
"PayPal").

A payment is an order with intent AUTHORIZE: `authorize` creates it and answers the payer's
approval page as `action_url` (PayPal always asks for the customer); `action_outcome` reads the
order and, once approved, authorizes it: that authorization is the hold the saga captures or
voids. Every POST carries our step's key as `PayPal-Request-Id` (a repeat gets the first
answer: 6 hours on Orders, 45 days on Payments); the capture carries it as `invoice_id` and a
refund as `custom_id`, so `lookup` finds them on the order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from payment_saga.domain.errors import (
    GatewayDeclined,
    GatewayNotFound,
    GatewayOutcomeUnknown,
    GatewayTransientError,
)
from payment_saga.domain.money import from_decimal, to_decimal
from payment_saga.domain.urls import with_query
from payment_saga.processors.port import (
    CardInput,
    GatewayOperation,
    Hold,
    OperationQuery,
    Settlement,
    TokenizedCard,
)

# PayPal's issues (a 422's details[].issue) that are ours under another name; any other is
# `payment_declined` with PayPal's issue as the decline code.
ISSUES = {
    "AUTHORIZATION_EXPIRED": "authorization_expired",
    "AUTHORIZATION_VOIDED": "authorization_closed",
    "PREVIOUSLY_VOIDED": "authorization_closed",
    "PREVIOUSLY_CAPTURED": "authorization_closed",
    "CANNOT_BE_VOIDED": "authorization_closed",
    "AUTHORIZATION_ALREADY_CAPTURED": "authorization_closed",
    "MAX_CAPTURE_AMOUNT_EXCEEDED": "amount_exceeds_authorized",
    "REFUND_AMOUNT_EXCEEDED": "amount_exceeds_refundable",
    "ORDER_EXPIRED": "action_expired",
}
HOLDS = {"CREATED": "open", "PENDING": "open", "CAPTURED": "captured"}
WAITING = ("CREATED", "SAVED", "PAYER_ACTION_REQUIRED")


class PayPalGateway:
    guessable_tokens = False

    def __init__(self, http: httpx.AsyncClient, client_id: str, client_secret: str) -> None:
        # The client (base URL, timeouts) is built by registration.open_adapter.
        self._http = http
        self._credentials = (client_id, client_secret)
        self._token: str | None = None

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        raise GatewayDeclined("card_not_accepted", "PayPal takes PayPal payments here, not cards")

    async def describe(self, token: str) -> TokenizedCard:
        raise GatewayDeclined("invalid_token", "PayPal takes no card tokens here")

    async def authorize(
        self,
        token: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        return_url: str | None = None,
        request_three_d_secure: bool = False,  # a payer's approval, no card to authenticate
    ) -> GatewayOperation:
        if return_url is None:
            raise GatewayDeclined("authentication_required", "a PayPal payment needs the payer")
        order = await self._send("POST", "/v2/checkout/orders", idempotency_key, {
            "intent": "AUTHORIZE",
            "purchase_units": [{
                "custom_id": idempotency_key,
                "amount": {"currency_code": currency, "value": to_decimal(amount, currency)},
            }],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": return_url, "cancel_url": _canceled(return_url),
                "user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING",
            }}},
        })  # fmt: skip
        payer_page = next(
            (link["href"] for link in order.get("links", []) if link["rel"] == "payer-action"),
            None,
        )
        if payer_page is None:
            raise GatewayTransientError(f"the order is {order.get('status')}, with no payer page")
        return GatewayOperation(
            "authorize", idempotency_key, order["id"], order["id"], amount, currency,
            action_url=payer_page,
        )  # fmt: skip

    async def action_outcome(
        self, authorization_id: str, idempotency_key: str
    ) -> GatewayOperation | None:
        """`authorization_id` is the order's id until the payer approved it."""
        order = await self._send("GET", f"/v2/checkout/orders/{authorization_id}")
        if order["status"] in WAITING:
            return None
        if order["status"] == "VOIDED":
            raise GatewayDeclined("payment_declined", "PayPal voided the order", "ORDER_VOIDED")
        if order["status"] == "APPROVED":
            order = await self._authorize_order(order["id"], idempotency_key)
        return _authorization(order, idempotency_key)

    async def _authorize_order(self, order_id: str, key: str) -> dict[str, Any]:
        path = f"/v2/checkout/orders/{order_id}/authorize"
        try:
            return await self._send("POST", path, f"{key}:order", {})
        except GatewayDeclined as refused:
            # Authorized by an earlier try whose PayPal-Request-Id PayPal no longer keeps.
            if refused.decline_code != "ORDER_ALREADY_AUTHORIZED":
                raise
        return await self._send("GET", f"/v2/checkout/orders/{order_id}")

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        held = await self._send("GET", f"/v2/payments/authorizations/{authorization_id}")
        currency = held["amount"]["currency_code"]
        path = f"/v2/payments/authorizations/{authorization_id}/capture"
        taken = await self._send("POST", path, idempotency_key, {
            "amount": {"currency_code": currency, "value": to_decimal(amount, currency)},
            "final_capture": True, "invoice_id": idempotency_key,
        })  # fmt: skip
        return _operation("capture", idempotency_key, taken, authorization_id)

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation:
        path = f"/v2/payments/authorizations/{authorization_id}/void"
        await self._send("POST", path, idempotency_key, None)
        return GatewayOperation("void", idempotency_key, authorization_id, authorization_id, 0, "")

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        order = await self._order_of(authorization_id)
        captures = _payments(order, "captures")
        if not captures:
            raise GatewayDeclined("amount_exceeds_refundable", "nothing was captured")
        currency = captures[0]["amount"]["currency_code"]
        path = f"/v2/payments/captures/{captures[0]['id']}/refund"
        made = await self._send("POST", path, idempotency_key, {
            "amount": {"currency_code": currency, "value": to_decimal(amount, currency)},
            "custom_id": idempotency_key,
        })  # fmt: skip
        return _operation("refund", idempotency_key, made, authorization_id)

    async def lookup(self, query: OperationQuery) -> GatewayOperation | None:
        """An order holds no money until it is authorized (by `action_outcome`, by the order's
        id): an authorize is never applied as far as money goes, and sending it again with
        its PayPal-Request-Id gets the same order. Captures and refunds are found on the
        order by the key they carry; a void by the authorization's status."""
        if query.operation == "authorize" or query.authorization_id is None:
            return None
        try:
            order = await self._order_of(query.authorization_id)
        except GatewayNotFound:
            return None
        return _found(order, query)

    async def settlement(self, authorization_id: str) -> Settlement:
        try:
            order = await self._order_of(authorization_id)
        except GatewayNotFound:  # an order never authorized (the payer left): nothing moved
            return Settlement(captured=0, refunded=0)
        captured = sum(_minor(c["amount"]) for c in _payments(order, "captures"))
        refunded = sum(_minor(r["amount"]) for r in _payments(order, "refunds"))
        return Settlement(captured=captured, refunded=refunded)

    async def hold(self, authorization_id: str) -> Hold:
        try:
            held = await self._send("GET", f"/v2/payments/authorizations/{authorization_id}")
        except GatewayNotFound:
            return Hold("missing")  # an order's id (never authorized), or no such thing
        status = HOLDS.get(held["status"], "released")
        if held["status"] == "PARTIALLY_CAPTURED":
            status = "captured"
        return Hold(status, _time(held.get("expiration_time")))  # type: ignore[arg-type]

    async def verify_webhook(self, asked: dict[str, Any]) -> bool:
        """PayPal's own check of a notice's signature (`verify-webhook-signature`): the headers,
        our webhook id and the event as received."""
        try:
            answer = await self._send(
                "POST", "/v1/notifications/verify-webhook-signature", None, asked
            )
        except GatewayDeclined:  # PayPal refused the question itself (malformed headers)
            return False
        return answer.get("verification_status") == "SUCCESS"

    async def authorization_of_capture(self, capture_id: str) -> str | None:
        """The authorization a capture was taken from (its `supplementary_data.related_ids`);
        None for a capture PayPal does not know here (not ours). An outage raises, so the
        notice is answered 503 and PayPal sends it again."""
        try:
            taken = await self._send("GET", f"/v2/payments/captures/{capture_id}")
        except GatewayDeclined:
            return None
        related = (taken.get("supplementary_data") or {}).get("related_ids") or {}
        found = related.get("authorization_id")
        return str(found) if found else None

    async def _order_of(self, authorization_id: str) -> dict[str, Any]:
        held = await self._send("GET", f"/v2/payments/authorizations/{authorization_id}")
        order_id = held["supplementary_data"]["related_ids"]["order_id"]
        return await self._send("GET", f"/v2/checkout/orders/{order_id}")

    async def _send(
        self, method: str, path: str, request_id: str | None = None, body: Any = None
    ) -> dict[str, Any]:
        """One call; an expired access token is renewed once."""
        for renewed in (False, True):
            headers = {"Authorization": f"Bearer {await self._access_token(renew=renewed)}"}
            headers["Prefer"] = "return=representation"
            if request_id is not None:
                headers["PayPal-Request-Id"] = request_id
            response = await self._request(method, path, headers, body)
            if response.status_code != 401:
                break
        return _answer(response)

    async def _request(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> httpx.Response:
        try:
            return await self._http.request(method, path, headers=headers, json=body)
        except httpx.TimeoutException as error:
            raise GatewayOutcomeUnknown(f"PayPal timed out: {type(error).__name__}") from None
        except httpx.TransportError as error:
            raise GatewayTransientError(f"PayPal unreachable: {type(error).__name__}") from None

    async def _access_token(self, *, renew: bool) -> str:
        if self._token is None or renew:
            response = await self._http.post(
                "/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=self._credentials,
            )
            if response.status_code != 200:
                raise GatewayTransientError(
                    f"PayPal refused our credentials ({response.status_code})"
                )
            self._token = str(response.json()["access_token"])
        return self._token


def _canceled(return_url: str) -> str:
    """Where PayPal sends a payer who cancels: our return route, told so."""
    return with_query(return_url, {"canceled": "true"})


def _answer(response: httpx.Response) -> dict[str, Any]:
    data: dict[str, Any] = response.json() if response.content else {}
    status = response.status_code
    if status < 300:
        return data
    details = data.get("details") or [{}]
    issue = str(details[0].get("issue", data.get("name", "UNKNOWN")))
    message = str(data.get("message", f"PayPal answered {status}"))
    if status == 404:
        raise GatewayNotFound(message)
    if status == 401:  # even a renewed token: our credentials, not the payment
        raise GatewayTransientError(f"PayPal refused our access token: {message}")
    if status >= 500:
        # PayPal's 5xx does not say whether it applied the call; the same PayPal-Request-Id
        # makes the retry safe, after a lookup.
        raise GatewayOutcomeUnknown(f"{issue}: {message}")
    if status == 429:
        raise GatewayTransientError(message, code="rate_limited")
    raise GatewayDeclined(ISSUES.get(issue, "payment_declined"), message, issue)


def _payments(order: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    units = order.get("purchase_units") or [{}]
    found: list[dict[str, Any]] = units[0].get("payments", {}).get(kind, [])
    return found


def _authorization(order: dict[str, Any], key: str) -> GatewayOperation:
    held = _payments(order, "authorizations")
    if not held:
        raise GatewayTransientError(f"the order is {order.get('status')} with no authorization")
    return GatewayOperation(
        "authorize", key, held[0]["id"], held[0]["id"], _minor(held[0]["amount"]),
        held[0]["amount"]["currency_code"], expires_at=_time(held[0].get("expiration_time")),
    )  # fmt: skip


def _found(order: dict[str, Any], query: OperationQuery) -> GatewayOperation | None:
    key, auth_id = query.idempotency_key, query.authorization_id or ""
    if query.operation == "void":
        held = _payments(order, "authorizations")
        voided = bool(held) and held[0]["status"] == "VOIDED"
        return GatewayOperation("void", key, auth_id, auth_id, 0, "") if voided else None
    kind, field = (
        ("captures", "invoice_id") if query.operation == "capture" else ("refunds", "custom_id")
    )
    made = next((p for p in _payments(order, kind) if p.get(field) == key), None)
    return _operation(query.operation, key, made, auth_id) if made else None


def _operation(operation: str, key: str, made: dict[str, Any], auth_id: str) -> GatewayOperation:
    if made.get("status") in ("DECLINED", "FAILED"):
        raise GatewayDeclined(f"{operation}_refused", f"PayPal's {operation} is {made['status']}")
    amount = made["amount"]
    return GatewayOperation(
        operation, key, made["id"], auth_id, _minor(amount), amount["currency_code"]
    )


def _minor(money: dict[str, str]) -> int:
    return from_decimal(money["value"], money["currency_code"])


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
