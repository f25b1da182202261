"""`PaymentGateway` for our processor simulator (devtools/testservers/simulator/server.py), over
its HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from payment_saga.domain.errors import (
    GatewayDeclined,
    GatewayNotFound,
    GatewayOutcomeUnknown,
    GatewayTransientError,
)
from payment_saga.domain.messages import CardSummary
from payment_saga.processors.port import (
    CardInput,
    GatewayOperation,
    Hold,
    OperationQuery,
    Settlement,
    SettlementItem,
    SettlementPage,
    TokenizedCard,
)


class SimulatorGateway:
    guessable_tokens = False

    def __init__(self, http: httpx.AsyncClient) -> None:
        # The client (base URL, timeouts, pool) is built by the worker's or API's main().
        self._http = http

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        body = {
            "number": card.number,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "cvc": card.cvc,
        }
        return _tokenized(await self._send("POST", "/v1/tokens", None, body))

    async def describe(self, token: str) -> TokenizedCard:
        try:
            return _tokenized(await self._send("GET", f"/v1/tokens/{token}", None, None))
        except GatewayNotFound:
            raise GatewayDeclined(
                "invalid_token", "the simulator does not know this token"
            ) from None

    async def authorize(
        self,
        token: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        return_url: str | None = None,
        request_three_d_secure: bool = False,
    ) -> GatewayOperation:
        body: dict[str, Any] = {"token": token, "amount": amount, "currency": currency}
        if return_url is not None:  # the simulator declines a challenge card without one
            body["return_url"] = return_url
        if request_three_d_secure:
            body["request_three_d_secure"] = "any"
        return _operation(await self._send("POST", "/v1/authorizations", idempotency_key, body))

    async def action_outcome(
        self, authorization_id: str, idempotency_key: str
    ) -> GatewayOperation | None:
        data = await self._send("GET", f"/v1/authorizations/{authorization_id}", None, None)
        if data["authentication"] == "pending":
            return None
        failure = data.get("failure")
        if data["authentication"] == "failed" and failure:
            raise GatewayDeclined(failure["code"], failure["message"], failure["decline_code"])
        if data["status"] == "released":
            raise GatewayDeclined("authorization_closed", "the authorization was released")
        return GatewayOperation(
            operation="authorize",
            idempotency_key=idempotency_key,
            reference=authorization_id,
            authorization_id=authorization_id,
            amount=data["amount"],
            currency=data["currency"],
            expires_at=_time(data["expires_at"]),
        )

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        path = f"/v1/authorizations/{authorization_id}/capture"
        return _operation(await self._send("POST", path, idempotency_key, {"amount": amount}))

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation:
        path = f"/v1/authorizations/{authorization_id}/void"
        return _operation(await self._send("POST", path, idempotency_key, {}))

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        path = f"/v1/authorizations/{authorization_id}/refunds"
        return _operation(await self._send("POST", path, idempotency_key, {"amount": amount}))

    async def lookup(self, query: OperationQuery) -> GatewayOperation | None:
        # The simulator keeps every answer by key; the rest of the query is not needed.
        path = f"/v1/operations/{query.idempotency_key}"
        try:
            data = await self._send("GET", path, None, None)
        except GatewayNotFound:
            return None
        stored = data["response"]
        if data["status_code"] >= 400:
            _raise_for(data["status_code"], stored)
        return _operation(stored)

    async def settlement(self, authorization_id: str) -> Settlement:
        data = await self._send("GET", f"/v1/authorizations/{authorization_id}", None, None)
        return Settlement(captured=data["captured"], refunded=data["refunded"])

    async def hold(self, authorization_id: str) -> Hold:
        try:
            data = await self._send("GET", f"/v1/authorizations/{authorization_id}", None, None)
        except GatewayNotFound:
            return Hold("missing")
        return Hold(data["status"], _time(data["expires_at"]))

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        path = f"/v1/settlements/{day}"
        if starting_after is not None:
            path += f"?starting_after={starting_after}"
        try:
            data = await self._send("GET", path, None, None)
        except GatewayNotFound:  # the day has not reached its cut-off
            return SettlementPage([], has_more=False, ready=False)
        items = [
            SettlementItem(
                item_id=item["id"], kind=item["type"], authorization_id=item["authorization_id"],
                reference=item["reference"], amount=item["amount"], fee=item["fee"],
                net=item["net"], currency=item["currency"],
                settlement_date=item["settlement_date"], payout_id=item["payout_id"],
            )
            for item in data["data"]
        ]  # fmt: skip
        return SettlementPage(items, has_more=bool(data["has_more"]))

    async def _send(
        self, method: str, path: str, idempotency_key: str | None, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = await self._http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException as error:
            raise GatewayOutcomeUnknown(f"gateway timed out: {type(error).__name__}") from None
        except httpx.TransportError as error:
            raise GatewayTransientError(f"gateway unreachable: {type(error).__name__}") from None
        data: dict[str, Any] = response.json() if response.content else {}
        if response.status_code >= 400:
            _raise_for(response.status_code, data)
        return data


def _tokenized(data: dict[str, Any]) -> TokenizedCard:
    summary = CardSummary(
        brand=data["brand"],
        last4=data["last4"],
        exp_month=data["exp_month"],
        exp_year=data["exp_year"],
        fingerprint=data["fingerprint"],
        funding=data.get("funding"),
    )
    return TokenizedCard(token=data["token"], card=summary)


def _operation(data: dict[str, Any]) -> GatewayOperation:
    if data.get("status") == "requires_action":
        return GatewayOperation(
            operation="authorize",
            idempotency_key=data["idempotency_key"],
            reference=data["id"],
            authorization_id=data["authorization_id"],
            amount=data["amount"],
            currency=data["currency"],
            action_url=data["next_action"]["redirect_url"],
        )
    return GatewayOperation(
        operation=data["operation"],
        idempotency_key=data["idempotency_key"],
        reference=data["id"],
        authorization_id=data["authorization_id"],
        amount=data["amount"],
        currency=data["currency"],
        expires_at=_time(data["expires_at"]) if data["operation"] == "authorize" else None,
    )


def _time(epoch_seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_seconds, UTC) if epoch_seconds is not None else None


def _raise_for(status_code: int, data: dict[str, Any]) -> None:
    error = data.get("error", {})
    code = str(error.get("code", "processing_error"))
    message = str(error.get("message", f"gateway answered {status_code}"))
    if status_code == 404:
        raise GatewayNotFound(message)
    if status_code == 504:
        raise GatewayOutcomeUnknown(message)
    if status_code >= 500 or status_code == 429:
        raise GatewayTransientError(message, code=code)
    raise GatewayDeclined(code, message, error.get("decline_code"))
