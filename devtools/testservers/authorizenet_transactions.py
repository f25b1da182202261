"""The Authorize.Net test server's requests: authentication, customer profiles, transactions
(authorize, capture, void, refund, with the duplicate window), details and lists, answered from
the books (devtools/testservers/authorizenet_books.py)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from devtools.testservers.authorizenet_batches import NO_RECORDS, settled_batches
from devtools.testservers.authorizenet_books import (
    BOM,
    DECLINED_REASONS,
    REASONS,
    TRIGGER_CARD,
    UNSETTLED,
    Books,
    Refused,
    answer,
    card_type,
    check_order,
    masked,
    paged,
)


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

    def dispatch(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        self.books.expire_holds()
        self.books.settle_due()
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
        self.books.applied("authorize", transaction, amount)
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
        self.books.applied("capture", original, amount)
        return self._response(original, "1", "1")

    def void(self, original: dict[str, Any]) -> dict[str, Any]:
        if original["transactionStatus"] not in (
            "authorizedPendingCapture",
            "capturedPendingSettlement",
        ):
            voided = original["transactionStatus"] == "voided"
            return self._response(original, "3", "310" if voided else "311")
        original.update(transactionStatus="voided", settleAmount=Decimal(0))
        self.books.applied("void", original, Decimal(0))
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
        self.books.applied("refund", transaction, amount)
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
