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

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel

from devtools.testservers.authorizenet_batches import NO_RECORDS, settled_batches, settlement_time

BOM = b"\xef\xbb\xbf"
TRIGGER_CARD = "4222222222222"
# The order of each object's keys, from AnetApiSchema.xsd (only the parts the adapter sends).
AUTH = ["merchantAuthentication", "clientId", "refId"]
SCHEMA: dict[str, list[str]] = {
    "createTransactionRequest": [*AUTH, "transactionRequest"],
    "createCustomerProfileRequest": [*AUTH, "profile", "validationMode"],
    "getCustomerPaymentProfileRequest": [
        *AUTH, "customerProfileId", "customerPaymentProfileId", "unmaskExpirationDate",
        "includeIssuerInfo",
    ],
    "getTransactionDetailsRequest": [*AUTH, "transId"],
    "getUnsettledTransactionListRequest": [*AUTH, "status", "sorting", "paging"],
    "getTransactionListRequest": [*AUTH, "batchId", "sorting", "paging"],
    "getSettledBatchListRequest": [
        *AUTH, "includeStatistics", "firstSettlementDate", "lastSettlementDate",
    ],
    "transactionRequest": [
        "transactionType", "amount", "currencyCode", "payment", "profile", "solution", "callId",
        "terminalNumber", "authCode", "refTransId", "splitTenderId", "order", "lineItems", "tax",
        "duty", "shipping", "taxExempt", "poNumber", "customer", "billTo", "shipTo",
        "customerIP", "cardholderAuthentication", "retail", "employeeId", "transactionSettings",
    ],
    "createCustomerProfileRequest.profile": [
        "merchantCustomerId", "description", "email", "paymentProfiles", "shipToList",
        "profileType",
    ],
    "transactionRequest.profile": [
        "createProfile", "customerProfileId", "paymentProfile", "shippingProfileId",
    ],
    "paymentProfiles": ["customerType", "billTo", "payment", "driversLicense", "taxId"],
    "paymentProfile": ["paymentProfileId", "cardCode"],
    "payment": ["creditCard", "bankAccount", "trackData", "encryptedTrackData", "payPal",
                "opaqueData"],
    "creditCard": ["cardNumber", "expirationDate", "cardCode"],
    "opaqueData": ["dataDescriptor", "dataValue", "dataKey"],
    "order": ["invoiceNumber", "description"],
    "merchantAuthentication": ["name", "transactionKey"],
    "sorting": ["orderBy", "orderDescending"],
    "paging": ["limit", "offset"],
}  # fmt: skip
UNSETTLED = (
    "authorizedPendingCapture",
    "capturedPendingSettlement",
    "voided",
    "declined",
    "refundPendingSettlement",
    # A hold the processor expired stays listed, as voided and declined ones do: a
    # transaction is in the unsettled list until a batch takes it, whatever its status.
    "expired",
)
# What settling makes of each status (the sandbox's names); final ones keep theirs.
SETTLES = {
    "capturedPendingSettlement": "settledSuccessfully",
    "settledSuccessfully": "settledSuccessfully",
    "refundPendingSettlement": "refundSettledSuccessfully",
    "voided": "voided",
    "declined": "declined",
    "expired": "expired",
}
# Authorize.Net's largest page of a transaction list.
PAGE_LIMIT = 1000
REASONS = {
    "1": "This transaction has been approved.",
    "2": "This transaction has been declined.",
    "8": "The credit card has expired.",
    "11": "A duplicate transaction has been submitted.",
    "16": "The transaction cannot be found.",
    "27": "The transaction has been declined because of an AVS mismatch.",
    "44": "This transaction has been declined.",
    "47": "The amount requested for settlement cannot be greater than the original amount.",
    "54": "The referenced transaction does not meet the criteria for issuing a credit.",
    "55": "The sum of credits would exceed the original debit amount.",
    "310": "This transaction has already been voided.",
    "311": "This transaction has already been captured.",
}
HOLD_SECONDS = 30 * 24 * 3600
DECLINED_REASONS = {"2", "3", "4", "27", "44", "45", "65"}


class Faults(BaseModel):
    # The next N transactions are applied, but answered only after `lost_seconds`.
    lose_next: int = 0
    lost_seconds: float = 5.0
    # Authorize.Net expires an authorization not captured within 30 days by itself
    # (transactionStatus `expired`), then refuses its capture and void. Tests shorten it.
    hold_seconds: float = HOLD_SECONDS
    # Transactions settle in a batch after the account's cut-off (daily in production) and
    # then leave the unsettled list: after this long here (None: never).
    settle_after_seconds: float | None = None
    # Authorize.Net answers a repeat (same invoice number and amount) with the first
    # transaction only within the request's `duplicateWindow` (at most 8 hours); past it, a
    # repeat is a new transaction. Tests shorten it.
    duplicate_window_seconds: float = 28800
    # The next N transactions are applied, then answered HTTP 500: what reached the processor
    # is unknown to the caller, who must look before sending again (within the duplicate
    # window a repeat gets the first answer; past it, a second transaction).
    fail_after_applying: int = 0


class AcceptCard(BaseModel):
    cardNumber: str
    month: str
    year: str
    cardCode: str = ""


class Refused(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


@dataclass
class Books:
    login_id: str
    transaction_key: str
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    # Customer profiles by (merchantCustomerId, description, email): the duplicate rule.
    customers: dict[tuple[str, str, str], str] = field(default_factory=dict)
    nonces: dict[str, dict[str, str]] = field(default_factory=dict)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # Authorize.Net's ids are sequential and never reused: each server starts at a number of its
    # own, so two servers (one per test module) do not hand out the same ids.
    ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(40000000000 + secrets.randbelow(10**10))
    )
    # Settled batches: id -> transaction ids, in settlement order; and when each settled.
    batches: dict[str, list[str]] = field(default_factory=dict)
    batch_times: dict[str, str] = field(default_factory=dict)


def check_order(name: str, value: Any, parent: str = "") -> None:
    """Refuse keys the schema does not have there, or in another order (E00003)."""
    if isinstance(value, list):
        for item in value:
            check_order(name, item, parent)
        return
    if not isinstance(value, dict):
        return
    expected = SCHEMA.get(f"{parent}.{name}", SCHEMA.get(name)) or []
    last = -1
    for key in value if expected else ():
        position = expected.index(key) if key in expected else -1
        if position < last:
            raise Refused("E00003", f"The element '{name}' has invalid child element '{key}'.")
        last = position
    for key, inner in value.items():
        check_order(key, inner, name)


def answer(body: dict[str, Any], error: tuple[str, str] | None = None) -> dict[str, Any]:
    code, text = error or ("I00001", "Successful.")
    result = "Error" if error else "Ok"
    return {**body, "messages": {"resultCode": result, "message": [{"code": code, "text": text}]}}


def paged(listed: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    """One page of a list, as Authorize.Net pages it (offset counts pages from 1)."""
    paging = request.get("paging") or {}
    limit = min(int(paging.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
    start = (int(paging.get("offset", 1)) - 1) * limit
    page = listed[start : start + limit]
    return answer({"transactions": page, "totalNumInResultSet": len(listed)})


def masked(number: str) -> str:
    return "XXXX" + number[-4:]


def card_type(number: str) -> str:
    from payment_saga.domain.cards import brand_of

    return {
        "visa": "Visa",
        "mastercard": "MasterCard",
        "amex": "AmericanExpress",
        "discover": "Discover",
    }.get(brand_of(number), "Visa")


class AuthorizeNetFake:
    def __init__(self, books: Books) -> None:
        self.books = books

    async def handle(self, request: Request) -> Response:
        body = orjson.loads((await request.body()).removeprefix(BOM))
        name = next(iter(body))
        try:
            check_order(name, body[name])
            self._authenticate(body[name])
            result = self.dispatch(name, body[name])
        except Refused as refused:
            result = answer({}, (refused.code, refused.text))
        faults = self.books.faults
        if name == "createTransactionRequest" and faults.lose_next > 0:
            faults.lose_next -= 1
            await asyncio.sleep(faults.lost_seconds)
        elif name == "createTransactionRequest" and faults.fail_after_applying > 0:
            faults.fail_after_applying -= 1
            return Response(b"Internal Server Error", 500, media_type="text/plain")
        # Amounts go out as JSON numbers (5.00 -> 5.0), as Authorize.Net sends them.
        return Response(BOM + orjson.dumps(result, default=float), media_type="application/json")

    def _authenticate(self, request: dict[str, Any]) -> None:
        given = request.get("merchantAuthentication", {})
        if (given.get("name"), given.get("transactionKey")) != (
            self.books.login_id,
            self.books.transaction_key,
        ):
            raise Refused(
                "E00007", "User authentication failed due to invalid authentication values."
            )

    def expire_holds(self) -> None:
        """Authorizations past their window are expired by the processor itself."""
        now = datetime.now(UTC)
        for transaction in self.books.transactions.values():
            submitted = datetime.fromisoformat(transaction["submitTimeUTC"])
            held = (now - submitted).total_seconds()
            if transaction["transactionStatus"] == "authorizedPendingCapture" and (
                held >= self.books.faults.hold_seconds
            ):
                transaction.update(transactionStatus="expired", settleAmount=Decimal(0))
                self._applied("expire", transaction, Decimal(0))

    def _settle(self) -> None:
        """Transactions past the cut-off settle into a batch, leaving the unsettled list."""
        after = self.books.faults.settle_after_seconds
        if after is None:
            return
        now = datetime.now(UTC)
        self.close_batch(
            lambda t: (now - datetime.fromisoformat(t["submitTimeUTC"])).total_seconds() >= after,
            settlement_time(None),
        )

    def close_batch(self, due: Callable[[dict[str, Any]], bool], at: str) -> list[str]:
        """Settle every transaction not in a batch yet that `due` takes, as one batch."""
        taken = [
            t for t in self.books.transactions.values()
            if t.get("batch") is None and t["transactionStatus"] in SETTLES and due(t)
        ]  # fmt: skip
        if not taken:
            return []
        batch = str(next(self.books.ids))
        for transaction in taken:
            settled = SETTLES[transaction["transactionStatus"]]
            transaction.update(batch=batch, transactionStatus=settled)
        self.books.batches[batch] = [t["transId"] for t in taken]
        self.books.batch_times[batch] = at
        return self.books.batches[batch]

    def dispatch(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        self.expire_holds()
        self._settle()
        if name == "createCustomerProfileRequest":
            return self.create_profile(request["profile"])
        if name == "getCustomerPaymentProfileRequest":
            return self.payment_profile(request)
        if name == "getTransactionDetailsRequest":
            return self.details(request["transId"])
        if name == "getUnsettledTransactionListRequest":
            unsettled = [t for t in self.books.transactions.values() if t.get("batch") is None]
            listed = [self._summary(t) for t in unsettled if t["transactionStatus"] in UNSETTLED]
            return paged(listed[::-1], request)
        if name == "getSettledBatchListRequest":
            batches = settled_batches(self.books.batch_times, request)
            if not batches:  # Authorize.Net: "Ok", with I00004 for an empty range
                code, text = NO_RECORDS
                return {"messages": {"resultCode": "Ok", "message": [{"code": code, "text": text}]}}
            return answer({"batchList": batches})
        if name == "getTransactionListRequest":
            ids = self.books.batches.get(str(request.get("batchId")), [])
            return paged([self._summary(self.books.transactions[i]) for i in ids], request)
        if name == "createTransactionRequest":
            return self.transact(request["transactionRequest"])
        raise Refused("E00003", f"The element '{name}' is not supported here.")

    def create_profile(self, profile: dict[str, Any]) -> dict[str, Any]:
        """Authorize.Net refuses a second profile with the same merchant customer id,
        description and email (E00039, "A duplicate record with ID ... already exists")."""
        identity = (
            str(profile.get("merchantCustomerId", "")),
            str(profile.get("description", "")),
            str(profile.get("email", "")),
        )
        if not any(identity):
            raise Refused("E00041", "One or more fields in the profile must contain a value.")
        if identity in self.books.customers:
            duplicate = self.books.customers[identity]
            raise Refused("E00039", f"A duplicate record with ID {duplicate} already exists.")
        payment = profile["paymentProfiles"]["payment"]
        if "opaqueData" in payment:
            card = self.books.nonces.pop(payment["opaqueData"]["dataValue"], None)
            if card is None:
                raise Refused("E00114", "Invalid OTS Token.")
        else:
            given = payment["creditCard"]
            card = {"number": given["cardNumber"], "expiration": given["expirationDate"]}
        customer, payment_profile = str(next(self.books.ids)), str(next(self.books.ids))
        self.books.customers[identity] = customer
        self.books.profiles[f"{customer}_{payment_profile}"] = card
        return answer(
            {"customerProfileId": customer, "customerPaymentProfileIdList": [payment_profile]}
        )

    def payment_profile(self, request: dict[str, Any]) -> dict[str, Any]:
        ids = f"{request['customerProfileId']}_{request['customerPaymentProfileId']}"
        card = self.books.profiles.get(ids)
        if card is None:
            raise Refused("E00040", "The record cannot be found.")
        credit_card = {
            "cardNumber": masked(card["number"]),
            "cardType": card_type(card["number"]),
            "expirationDate": card["expiration"],
        }
        return answer(
            {
                "paymentProfile": {
                    "customerProfileId": request["customerProfileId"],
                    "customerPaymentProfileId": request["customerPaymentProfileId"],
                    "payment": {"creditCard": credit_card},
                }
            }
        )

    def details(self, trans_id: str) -> dict[str, Any]:
        transaction = self.books.transactions.get(trans_id)
        if transaction is None:
            raise Refused("E00040", "The record cannot be found.")
        shown = {k: v for k, v in transaction.items() if k != "number"}
        shown["payment"] = {
            "creditCard": {"cardNumber": masked(transaction["number"]), "expirationDate": "XXXX"}
        }
        return answer({"transaction": shown})

    def _summary(self, transaction: dict[str, Any]) -> dict[str, Any]:
        keys = ("transId", "submitTimeUTC", "transactionStatus", "invoiceNumber", "settleAmount")
        return {**{k: transaction[k] for k in keys}, "accountNumber": masked(transaction["number"])}

    def transact(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request["transactionType"]
        invoice = request.get("order", {}).get("invoiceNumber", "")
        amount = Decimal(request.get("amount", "0"))
        duplicate = self._duplicate(kind, invoice, amount, self._window(request))
        if duplicate is not None:
            return self._response(duplicate, "3", "11")
        if kind == "authOnlyTransaction":
            return self.authorize(request, invoice, amount)
        original = self.books.transactions.get(request.get("refTransId", ""))
        if original is None:
            return self._response(None, "3", "16")
        if kind == "priorAuthCaptureTransaction":
            return self.capture(original, invoice, amount)
        if kind == "voidTransaction":
            return self.void(original)
        return self.refund(original, request, invoice, amount)

    def _window(self, request: dict[str, Any]) -> float:
        settings = (request.get("transactionSettings") or {}).get("setting") or []
        asked = next(
            (float(s["settingValue"]) for s in settings if s["settingName"] == "duplicateWindow"),
            120.0,  # Authorize.Net's default
        )
        return min(asked, 28800.0, self.books.faults.duplicate_window_seconds)

    def _duplicate(
        self, kind: str, invoice: str, amount: Decimal, window: float
    ) -> dict[str, Any] | None:
        if kind not in ("authOnlyTransaction", "refundTransaction") or not invoice:
            return None
        since = datetime.now(UTC) - timedelta(seconds=window)
        return next(
            (
                t
                for t in self.books.transactions.values()
                if t["invoiceNumber"] == invoice
                and t["transactionType"] == kind
                and t["authAmount"] == amount
                and datetime.fromisoformat(t["submitTimeUTC"]) > since
            ),
            None,
        )

    def authorize(self, request: dict[str, Any], invoice: str, amount: Decimal) -> dict[str, Any]:
        profile = request["profile"]
        ids = f"{profile['customerProfileId']}_{profile['paymentProfile']['paymentProfileId']}"
        card = self.books.profiles.get(ids)
        if card is None:
            raise Refused("E00040", "The record cannot be found.")
        transaction = self._new("authOnlyTransaction", card["number"], invoice, amount)
        reason = self._sandbox_reason(card, amount)
        if reason != "1":
            transaction["transactionStatus"] = "declined"
            return self._response(transaction, "2" if reason in DECLINED_REASONS else "3", reason)
        transaction["transactionStatus"] = "authorizedPendingCapture"
        self._applied("authorize", transaction, amount)
        return self._response(transaction, "1", "1")

    def _sandbox_reason(self, card: dict[str, str], amount: Decimal) -> str:
        if card["number"] == TRIGGER_CARD:
            return str(int(amount)) if int(amount) in range(2, 400) else "1"
        year, month = (int(part) for part in card["expiration"].split("-"))
        today = datetime.now(UTC)
        return "8" if (year, month) < (today.year, today.month) else "1"

    def capture(self, original: dict[str, Any], invoice: str, amount: Decimal) -> dict[str, Any]:
        status = original["transactionStatus"]
        if status != "authorizedPendingCapture":
            return self._response(original, "3", "310" if status == "voided" else "311")
        if amount > original["authAmount"]:
            return self._response(original, "3", "47")
        # The sandbox settles once a day; this one settles at once, so refunds can follow.
        original.update(transactionStatus="settledSuccessfully", settleAmount=amount)
        self._applied("capture", original, amount)
        return self._response(original, "1", "1")

    def void(self, original: dict[str, Any]) -> dict[str, Any]:
        if original["transactionStatus"] not in (
            "authorizedPendingCapture",
            "capturedPendingSettlement",
        ):
            voided = original["transactionStatus"] == "voided"
            return self._response(original, "3", "310" if voided else "311")
        original.update(transactionStatus="voided", settleAmount=Decimal(0))
        self._applied("void", original, Decimal(0))
        return self._response(original, "1", "1")

    def refund(
        self, original: dict[str, Any], request: dict[str, Any], invoice: str, amount: Decimal
    ) -> dict[str, Any]:
        last4 = request["payment"]["creditCard"]["cardNumber"][-4:]
        if (
            original["transactionStatus"] != "settledSuccessfully"
            or last4 != original["number"][-4:]
        ):
            return self._response(original, "3", "54")
        refunded = sum(
            (
                t["settleAmount"]
                for t in self.books.transactions.values()
                if t.get("refTransId") == original["transId"]
            ),
            Decimal(0),
        )
        if refunded + amount > original["settleAmount"]:
            return self._response(original, "3", "55")
        transaction = self._new("refundTransaction", original["number"], invoice, amount)
        transaction.update(
            transactionStatus="refundPendingSettlement", refTransId=original["transId"]
        )
        self._applied("refund", transaction, amount)
        return self._response(transaction, "1", "1")

    def _new(self, kind: str, number: str, invoice: str, amount: Decimal) -> dict[str, Any]:
        transaction: dict[str, Any] = {
            "transId": str(next(self.books.ids)),
            "transactionType": kind,
            "transactionStatus": "",
            "invoiceNumber": invoice,
            "authAmount": amount,
            "settleAmount": amount,
            "number": number,
            "submitTimeUTC": datetime.now(UTC).isoformat(),
            "order": {"invoiceNumber": invoice},
        }
        self.books.transactions[transaction["transId"]] = transaction
        return transaction

    def _applied(self, operation: str, transaction: dict[str, Any], amount: Decimal) -> None:
        authorization = transaction.get("refTransId") or transaction["transId"]
        self.books.ledger.append(
            {
                "operation": operation,
                "authorization": authorization,
                "amount": str(amount),
                "invoice_number": transaction["invoiceNumber"],
            }
        )

    def _response(
        self, transaction: dict[str, Any] | None, code: str, reason: str
    ) -> dict[str, Any]:
        response: dict[str, Any] = {
            "responseCode": code,
            "authCode": secrets.token_hex(3).upper() if code == "1" else "",
            "transId": transaction["transId"] if transaction else "0",
            "accountNumber": masked(transaction["number"]) if transaction else "",
            "testRequest": "0",
        }
        if code == "1":
            response["messages"] = [{"code": "1", "description": REASONS["1"]}]
            return answer({"transactionResponse": response})
        text = REASONS.get(reason, "This transaction has been declined.")
        response["errors"] = [{"errorCode": reason, "errorText": text}]
        return answer(
            {"transactionResponse": response}, ("E00027", "The transaction was unsuccessful.")
        )


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
        fake.expire_holds()  # holds past their window show as expired
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
        return {"batch": fake.close_batch(lambda _: True, settlement_time(day))}

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
