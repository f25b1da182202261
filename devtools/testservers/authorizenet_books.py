"""The Authorize.Net test server's books: its schema's key order, the sandbox's rules for test
cards and reason codes, the switches that make it as unkind as Authorize.Net
(docs/processors.md), and what it keeps in memory."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from devtools.testservers.authorizenet_batches import settlement_time

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

    def applied(self, operation: str, transaction: dict[str, Any], amount: Decimal) -> None:
        authorization = transaction.get("refTransId") or transaction["transId"]
        self.ledger.append(
            {
                "operation": operation,
                "authorization": authorization,
                "amount": str(amount),
                "invoice_number": transaction["invoiceNumber"],
            }
        )

    def expire_holds(self) -> None:
        """Authorizations past their window are expired by the processor itself."""
        now = datetime.now(UTC)
        for transaction in self.transactions.values():
            submitted = datetime.fromisoformat(transaction["submitTimeUTC"])
            held = (now - submitted).total_seconds()
            if transaction["transactionStatus"] == "authorizedPendingCapture" and (
                held >= self.faults.hold_seconds
            ):
                transaction.update(transactionStatus="expired", settleAmount=Decimal(0))
                self.applied("expire", transaction, Decimal(0))

    def settle_due(self) -> None:
        """Transactions past the cut-off settle into a batch, leaving the unsettled list."""
        after = self.faults.settle_after_seconds
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
            t for t in self.transactions.values()
            if t.get("batch") is None and t["transactionStatus"] in SETTLES and due(t)
        ]  # fmt: skip
        if not taken:
            return []
        batch = str(next(self.ids))
        for transaction in taken:
            settled = SETTLES[transaction["transactionStatus"]]
            transaction.update(batch=batch, transactionStatus=settled)
        self.batches[batch] = [t["transId"] for t in taken]
        self.batch_times[batch] = at
        return self.batches[batch]


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
