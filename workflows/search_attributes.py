"""Custom search attributes: the workflow upserts them, the launcher and compose register them."""

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from payment_saga.domain.messages import PaymentRequest
from payment_saga.domain.states import PaymentStatus

PAYMENT_STATUS = SearchAttributeKey.for_keyword("PaymentStatus")
ORDER_ID = SearchAttributeKey.for_keyword("OrderId")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
PAYMENT_AMOUNT = SearchAttributeKey.for_int("PaymentAmount")
PAYMENT_CURRENCY = SearchAttributeKey.for_keyword("PaymentCurrency")
ACCOUNT_ID = SearchAttributeKey.for_keyword("AccountId")
# What has moved, in minor units: find payments by what was captured or refunded.
AMOUNT_CAPTURED = SearchAttributeKey.for_int("AmountCaptured")
AMOUNT_REFUNDED = SearchAttributeKey.for_int("AmountRefunded")
# An open dispute (chargeback) the processor told us of: `Disputed = true` finds them.
DISPUTED = SearchAttributeKey.for_bool("Disputed")

# Settlement reconciliation runs (#32): which processor and day, how far the run is
# (waiting_for_report, matching, reconciled, report_missing), and whether it opened any
# discrepancy (a Bool: the dev server's store allows three Int attributes, the payments' own).
RECONCILIATION_PROCESSOR = SearchAttributeKey.for_keyword("ReconciliationProcessor")
SETTLEMENT_DATE = SearchAttributeKey.for_datetime("SettlementDate")
RECONCILIATION_STATE = SearchAttributeKey.for_keyword("ReconciliationState")
DISCREPANCIES_FOUND = SearchAttributeKey.for_bool("DiscrepanciesFound")

# Name -> type as `temporal server start-dev --search-attribute NAME=TYPE` and
# `temporal operator search-attribute create` spell it.
REGISTRATION: dict[str, str] = {
    PAYMENT_STATUS.name: "Keyword",
    ORDER_ID.name: "Keyword",
    CUSTOMER_ID.name: "Keyword",
    PAYMENT_AMOUNT.name: "Int",
    PAYMENT_CURRENCY.name: "Keyword",
    ACCOUNT_ID.name: "Keyword",
    AMOUNT_CAPTURED.name: "Int",
    AMOUNT_REFUNDED.name: "Int",
    DISPUTED.name: "Bool",
    RECONCILIATION_PROCESSOR.name: "Keyword",
    SETTLEMENT_DATE.name: "Datetime",
    RECONCILIATION_STATE.name: "Keyword",
    DISCREPANCIES_FOUND.name: "Bool",
}


def at_start(request: PaymentRequest) -> TypedSearchAttributes:
    """A new payment's values, given when its workflow starts: its run then upserts only what
    changes (workflows/saga.py)."""
    pairs: list[SearchAttributePair[str] | SearchAttributePair[int]] = [
        SearchAttributePair(PAYMENT_STATUS, PaymentStatus.PENDING.value),
        SearchAttributePair(ORDER_ID, request.order_id),
        SearchAttributePair(PAYMENT_AMOUNT, request.amount),
        SearchAttributePair(PAYMENT_CURRENCY, request.currency),
        SearchAttributePair(ACCOUNT_ID, request.account_id),
        SearchAttributePair(AMOUNT_CAPTURED, 0),
        SearchAttributePair(AMOUNT_REFUNDED, 0),
    ]
    if request.customer_id:
        pairs.append(SearchAttributePair(CUSTOMER_ID, request.customer_id))
    return TypedSearchAttributes(pairs)
