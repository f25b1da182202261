"""`PaymentGateway` on Authorize.Net, over its JSON API with httpx.

The official `authorizenet` SDK is synchronous (requests and PyXB, the latter unmaintained), so
this adapter speaks the JSON API (`POST /xml/v1/request.api`) itself. Authorize.Net turns the
JSON into XML, so every object's keys are sent in the order of its schema (AnetApiSchema.xsd).

An authorization is an `authOnlyTransaction`; capture (also partial) is a
`priorAuthCaptureTransaction`, void a `voidTransaction`, refund a `refundTransaction`. Authorize.Net
has no idempotency keys: each transaction carries a digest of our step's key as its
`order.invoiceNumber` (20 characters), and the duplicate window answers a repeat within 8 hours
with the first transaction's id (error 11). Lookups read the authorization's status
(`getTransactionDetailsRequest`) for a capture or void, and find an authorize or refund by its
invoice number among every page of the unsettled transactions and of the settled batches
(payment_saga/processors/authorizenet/search.py; a search that cannot read them all is an unknown
outcome).
Tokens are customer payment profiles (`anet_<profile>_<payment profile>`), made from a card
number or from Accept.js opaque data.
docs/processors.md has the error mapping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson

from payment_saga.domain.errors import GatewayDeclined, GatewayOutcomeUnknown, GatewayTransientError
from payment_saga.domain.messages import CardSummary
from payment_saga.domain.money import exponent, to_decimal
from payment_saga.processors.authorizenet.codes import BRANDS, declined, refused, transient
from payment_saga.processors.authorizenet.search import TransactionSearch
from payment_saga.processors.authorizenet.settlement import AuthorizeNetSettlement
from payment_saga.processors.port import (
    CardInput,
    GatewayOperation,
    Hold,
    OperationQuery,
    Settlement,
    SettlementPage,
    TokenizedCard,
)

ENDPOINT = "/xml/v1/request.api"
JSON = {"Content-Type": "application/json"}
# Accept.js hands the browser this descriptor with its nonce; the order service passes both as
# one token, `<descriptor>:<value>`.
ACCEPT_DESCRIPTOR = "COMMON.ACCEPT.INAPP.PAYMENT"
DUPLICATE_WINDOW_SECONDS = 28800  # Authorize.Net's longest
CAPTURED = ("capturedPendingSettlement", "settledSuccessfully", "refundSettledSuccessfully")
STILL_PENDING = ("FDSPendingReview", "FDSAuthorizedPendingReview", "underReview")
# What a transaction still holds on the card; any other status holds nothing (voided, expired
# by Authorize.Net after 30 days, declined, ...). couldNotVoid: a void that failed.
STILL_HELD = ("authorizedPendingCapture", "couldNotVoid", *STILL_PENDING)
# Authorize.Net expires an authorization not captured within 30 days.
HOLD_WINDOW = timedelta(days=30)


def invoice_number(idempotency_key: str) -> str:
    """Our step's key as Authorize.Net can hold it: 20 characters of its SHA-256, base32."""
    digest = hashlib.sha256(idempotency_key.encode()).digest()
    return base64.b32encode(digest).decode()[:20]


class AuthorizeNetGateway:
    guessable_tokens = True  # anet_<customerProfileId>_<paymentProfileId>, both sequential

    def __init__(
        self, http: httpx.AsyncClient, login_id: str, transaction_key: str, currency: str
    ) -> None:
        # `http` carries the base URL (sandbox, production or the local fake) and the timeout.
        self._http = http
        self._auth = {"name": login_id, "transactionKey": transaction_key}
        self._currency = currency

    async def tokenize(self, card: CardInput) -> TokenizedCard:
        credit_card = {
            "cardNumber": card.number,
            "expirationDate": f"{card.exp_year:04d}-{card.exp_month:02d}",
            "cardCode": card.cvc,
        }
        return await self._profile_from({"creditCard": credit_card})

    async def describe(self, token: str) -> TokenizedCard:
        descriptor, _, value = token.partition(":")
        if descriptor == ACCEPT_DESCRIPTOR and value:
            return await self._profile_from(
                {"opaqueData": {"dataDescriptor": descriptor, "dataValue": value}}
            )
        profile = _profile_ids(token)
        answer = await self._call(
            "getCustomerPaymentProfileRequest",
            {
                "customerProfileId": profile[0],
                "customerPaymentProfileId": profile[1],
                "unmaskExpirationDate": True,
            },
        )
        if answer["messages"]["resultCode"] != "Ok":
            raise GatewayDeclined("invalid_token", "Authorize.Net does not know this token")
        credit_card = answer["paymentProfile"]["payment"]["creditCard"]
        year, month = credit_card["expirationDate"].split("-")
        # No fingerprint: Authorize.Net has none, and the API then keys ours on the token.
        summary = CardSummary(
            brand=BRANDS.get(credit_card["cardType"], "unknown"),
            last4=credit_card["cardNumber"][-4:],
            exp_month=int(month),
            exp_year=int(year),
            fingerprint="",
        )
        return TokenizedCard(token=token, card=summary)

    async def _profile_from(self, payment: dict[str, Any]) -> TokenizedCard:
        """A customer payment profile holding the card: Authorize.Net's token for it."""
        answer = await self._call(
            "createCustomerProfileRequest",
            {
                "profile": {
                    # Unique: Authorize.Net refuses a second profile with the same merchant
                    # customer id, description and email (E00039), so one card per profile.
                    "merchantCustomerId": "ps" + secrets.token_hex(9),
                    "description": "payment-saga",
                    "paymentProfiles": {"payment": payment},
                },
                "validationMode": "none",
            },
        )
        if answer["messages"]["resultCode"] != "Ok":
            message = answer["messages"]["message"][0]
            raise GatewayDeclined("invalid_token", message["text"], message["code"])
        token = f"anet_{answer['customerProfileId']}_{answer['customerPaymentProfileIdList'][0]}"
        return await self.describe(token)

    async def authorize(
        self,
        token: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        return_url: str | None = None,  # Authorize.Net does no 3-D Secure of its own
        request_three_d_secure: bool = False,
    ) -> GatewayOperation:
        if currency != self._currency:
            raise GatewayDeclined(
                "currency_not_supported", f"this Authorize.Net account takes {self._currency}"
            )
        customer, payment_profile = _profile_ids(token)
        request = {
            "transactionType": "authOnlyTransaction",
            "amount": self._decimal(amount),
            "profile": {
                "customerProfileId": customer,
                "paymentProfile": {"paymentProfileId": payment_profile},
            },
            "order": {"invoiceNumber": invoice_number(idempotency_key)},
        }
        trans_id, _ = await self._transact(request, "authorize")
        expires = datetime.now(UTC) + HOLD_WINDOW
        return GatewayOperation(
            "authorize", idempotency_key, trans_id, trans_id, amount, currency, expires
        )

    async def action_outcome(
        self, authorization_id: str, idempotency_key: str
    ) -> GatewayOperation | None:
        # Never asked: this adapter's authorize never answers an action (docs/processors.md).
        raise GatewayDeclined(
            "authentication_unsupported", "Authorize.Net does not ask for the customer here"
        )

    async def capture(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        request = {
            "transactionType": "priorAuthCaptureTransaction",
            "amount": self._decimal(amount),
            "refTransId": authorization_id,
            "order": {"invoiceNumber": invoice_number(idempotency_key)},
        }
        trans_id, _ = await self._transact(request, "capture")
        return GatewayOperation(
            "capture", idempotency_key, trans_id, authorization_id, amount, self._currency
        )

    async def void(self, authorization_id: str, idempotency_key: str) -> GatewayOperation:
        request = {"transactionType": "voidTransaction", "refTransId": authorization_id}
        trans_id, _ = await self._transact(request, "void")
        return GatewayOperation(
            "void",
            idempotency_key,
            trans_id or authorization_id,
            authorization_id,
            0,
            self._currency,
        )

    async def refund(
        self, authorization_id: str, amount: int, idempotency_key: str
    ) -> GatewayOperation:
        # A refund names the card by its last four digits, read off the authorization.
        details = await self._details(authorization_id)
        last4 = details["payment"]["creditCard"]["cardNumber"][-4:]
        request = {
            "transactionType": "refundTransaction",
            "amount": self._decimal(amount),
            "payment": {"creditCard": {"cardNumber": last4, "expirationDate": "XXXX"}},
            "refTransId": authorization_id,
            "order": {"invoiceNumber": invoice_number(idempotency_key)},
        }
        trans_id, _ = await self._transact(request, "refund")
        return GatewayOperation(
            "refund", idempotency_key, trans_id, authorization_id, amount, self._currency
        )

    async def lookup(self, query: OperationQuery) -> GatewayOperation | None:
        key = query.idempotency_key
        if query.operation in ("authorize", "refund"):
            found = await TransactionSearch(self._call).by_invoice(invoice_number(key))
            if found is None:
                return None
            status = found["transactionStatus"]
            if status in STILL_PENDING:
                raise GatewayTransientError(f"the transaction is {status}")
            if status == "declined":
                raise declined("2", "Authorize.Net declined the transaction")
            amount = await self._found_amount(query.operation, found)
            authorization = query.authorization_id or found["transId"]
            return GatewayOperation(
                query.operation, key, found["transId"], authorization, amount, self._currency
            )
        if query.authorization_id is None:
            return None
        details = await self._details(query.authorization_id)
        status = details["transactionStatus"]
        if query.operation == "capture" and status in CAPTURED:
            amount = self._minor(details["settleAmount"])
            return GatewayOperation(
                "capture", key, details["transId"], details["transId"], amount, self._currency
            )
        if query.operation == "void" and status == "voided":
            return GatewayOperation(
                "void", key, details["transId"], details["transId"], 0, self._currency
            )
        return None

    async def settlement(self, authorization_id: str) -> Settlement:
        """The captured amount off the authorization; its refunds are transactions of their own
        that it does not list, so the refunded amount is not said."""
        details = await self._details(authorization_id)
        captured = details["transactionStatus"] in CAPTURED
        return Settlement(self._minor(details["settleAmount"]) if captured else 0, None)

    async def hold(self, authorization_id: str) -> Hold:
        try:
            details = await self._details(authorization_id)
        except GatewayDeclined as error:
            if error.decline_code == "E00040":  # "The record cannot be found."
                return Hold("missing")
            raise
        status = details["transactionStatus"]
        if status in CAPTURED:
            return Hold("captured")
        if status not in STILL_HELD:
            return Hold("released")
        submitted = datetime.fromisoformat(str(details["submitTimeUTC"]).replace("Z", "+00:00"))
        return Hold("open", submitted + HOLD_WINDOW)

    async def _transact(self, request: dict[str, Any], operation: str) -> tuple[str, str]:
        """Send one transaction; its id and auth code, or the port's error for its outcome."""
        request["transactionSettings"] = {
            "setting": [
                {"settingName": "duplicateWindow", "settingValue": str(DUPLICATE_WINDOW_SECONDS)}
            ]
        }
        answer = await self._call("createTransactionRequest", {"transactionRequest": request})
        response = answer.get("transactionResponse") or {}
        code = str(response.get("responseCode", ""))
        errors = response.get("errors") or []
        reason = str(errors[0]["errorCode"]) if errors else ""
        trans_id = str(response.get("transId") or "")
        if code == "1" or (reason == "11" and trans_id not in ("", "0")):
            return trans_id, str(response.get("authCode", ""))  # 11: the first one, answered again
        if code == "4":
            raise GatewayOutcomeUnknown("Authorize.Net holds the transaction for review")
        if not errors:
            message = answer["messages"]["message"][0]
            raise GatewayTransientError(f"{message['code']}: {message['text']}")
        text = str(errors[0].get("errorText", "declined"))
        if reason in transient:
            raise GatewayTransientError(f"{reason}: {text}", code=transient[reason])
        if code == "2" or operation == "authorize":
            raise declined(reason, text)
        raise GatewayDeclined(refused[operation], text, f"anet_{reason}")

    async def _found_amount(self, operation: str, found: dict[str, Any]) -> int:
        """A list shows what a transaction settles: an authorization's own amount is in its
        details (`authAmount`), since one voided or expired settles nothing."""
        if operation != "authorize":
            return self._minor(found["settleAmount"])
        return self._minor((await self._details(found["transId"]))["authAmount"])

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        """The transactions of the batches settled on the day (settlement.py)."""
        reports = AuthorizeNetSettlement(self._call, self._currency)
        return await reports.settlement_report(day, starting_after)

    async def _details(self, trans_id: str) -> dict[str, Any]:
        answer = await self._call("getTransactionDetailsRequest", {"transId": trans_id})
        if answer["messages"]["resultCode"] != "Ok":
            message = answer["messages"]["message"][0]
            raise GatewayDeclined("resource_missing", message["text"], message["code"])
        transaction: dict[str, Any] = answer["transaction"]
        return transaction

    async def _call(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        request = {name: {"merchantAuthentication": self._auth, **body}}
        content = orjson.dumps(request)
        try:
            response = await self._http.post(ENDPOINT, content=content, headers=JSON)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            # Never sent: nothing can have been applied.
            raise GatewayTransientError(f"Authorize.Net unreachable: {error!r}") from None
        except httpx.TransportError as error:
            raise GatewayOutcomeUnknown(f"no answer from Authorize.Net: {error!r}") from None
        if response.status_code >= 500:
            # The request reached Authorize.Net's servers: it may have been applied.
            raise GatewayOutcomeUnknown(f"Authorize.Net answered {response.status_code}")
        if response.status_code >= 400:
            raise GatewayTransientError(f"Authorize.Net answered {response.status_code}")
        # Authorize.Net starts its JSON with a byte order mark; amounts are read as decimals.
        text = response.content.removeprefix(b"\xef\xbb\xbf").decode()
        answer: dict[str, Any] = json.loads(text, parse_float=Decimal)
        if answer["messages"]["message"][0]["code"] == "E00007":
            raise GatewayTransientError("Authorize.Net refused our credentials (E00007)")
        return answer

    def _decimal(self, amount: int) -> str:
        return to_decimal(amount, self._currency)

    def _minor(self, amount: Any) -> int:
        return int(Decimal(str(amount)).scaleb(exponent(self._currency)))


def _profile_ids(token: str) -> tuple[str, str]:
    prefix, _, ids = token.partition("_")
    customer, _, payment_profile = ids.partition("_")
    if prefix != "anet" or not customer.isdigit() or not payment_profile.isdigit():
        raise GatewayDeclined("invalid_token", "an Authorize.Net token is anet_<profile>_<id>")
    return customer, payment_profile
