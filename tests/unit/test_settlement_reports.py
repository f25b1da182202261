"""Stripe's and Authorize.Net's settlement read as a day's report (#32), from answers in the
shape each processor sends: what is not settled yet waits, what did not pay out is left out,
a past day without a payout or batch is an empty report, the processor's other transactions
are not ours to match."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe

from devtools.testservers.authorizenet_batches import settled_batches, settlement_time
from payment_saga.processors.authorizenet.search import TransactionSearch
from payment_saga.processors.authorizenet.settlement import AuthorizeNetSettlement
from payment_saga.processors.stripe.settlement import StripeSettlement

PAST = "2026-11-20"
TODAY = datetime.now(UTC).date().isoformat()
ARRIVAL = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())


def payout(payout_id: str, status: str) -> dict[str, Any]:
    return {"id": payout_id, "object": "payout", "amount": 1, "currency": "usd",
            "arrival_date": ARRIVAL, "created": ARRIVAL - 86400, "status": status}  # fmt: skip


def txn(
    txn_id: str, kind: str, amount: int, fee: int, source: dict[str, Any] | str
) -> dict[str, Any]:
    return {"id": txn_id, "object": "balance_transaction", "type": kind, "amount": amount,
            "fee": fee, "net": amount - fee, "currency": "usd", "source": source}  # fmt: skip


def listing(data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/x"}


@pytest.fixture
async def stripe_reports() -> AsyncIterator[Any]:
    clients: list[stripe.HTTPXClient] = []

    def reports(payouts: list[dict[str, Any]], txns: dict[str, list[dict[str, Any]]]) -> Any:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/v1/payouts":
                return httpx.Response(200, json=listing(payouts))
            return httpx.Response(200, json=listing(txns[request.url.params["payout"]]))

        http = stripe.HTTPXClient(allow_sync_methods=False)
        http._client_async = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        clients.append(http)
        return StripeSettlement(stripe.StripeClient("sk_test_unit", http_client=http))

    yield reports
    for http in clients:
        await http.close_async()  # type: ignore[no-untyped-call]


async def test_stripe_a_payout_in_transit_is_not_settled_yet(stripe_reports: Any) -> None:
    reports = stripe_reports([payout("po_1", "in_transit")], {})
    assert not (await reports.settlement_report(PAST, None)).ready


async def test_stripe_today_without_a_payout_waits_a_past_day_is_empty(stripe_reports: Any) -> None:
    reports = stripe_reports([], {})
    assert not (await reports.settlement_report(TODAY, None)).ready
    page = await reports.settlement_report(PAST, None)
    assert page.ready and page.items == [] and not page.has_more


async def test_stripe_charges_and_refunds_of_paid_payouts_only(stripe_reports: Any) -> None:
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}
    refund = {"id": "re_1", "object": "refund", "payment_intent": "pi_1"}
    txns = {
        "po_paid": [
            txn("txn_1", "charge", 6000, 204, charge), txn("txn_2", "refund", -2500, 0, refund),
            txn("txn_3", "payout", -3296, 0, "po_paid"),
            txn("txn_4", "adjustment", -1500, 1500, "du_1"),
        ],
        "po_failed": [txn("txn_5", "charge", 100, 33, charge)],
    }  # fmt: skip
    reports = stripe_reports([payout("po_paid", "paid"), payout("po_failed", "failed")], txns)

    page = await reports.settlement_report(PAST, None)

    assert page.ready and not page.has_more
    seen = [(i.item_id, i.kind, i.authorization_id, i.reference, i.amount, i.fee, i.currency,
             i.payout_id) for i in page.items]  # fmt: skip
    assert seen == [
        ("txn_1", "capture", "pi_1", "ch_1", 6000, 204, "USD", "po_paid"),
        ("txn_2", "refund", "pi_1", "re_1", -2500, 0, "USD", "po_paid"),
    ]


def anet_call(batches: list[dict[str, Any]], lists: dict[str, list[dict[str, Any]]]) -> Any:
    async def call(name: str, body: dict[str, Any]) -> dict[str, Any]:
        if name == "getSettledBatchListRequest":
            if not batches:  # Authorize.Net: Ok, I00004 "No records found."
                return {"messages": {"resultCode": "Ok", "message": [{"code": "I00004"}]}}
            return {"batchList": batches, "messages": {"resultCode": "Ok"}}
        listed = lists[body["batchId"]]
        limit, page = body["paging"]["limit"], body["paging"]["offset"]
        chosen = listed[(page - 1) * limit : page * limit]
        return {"transactions": chosen, "totalNumInResultSet": len(listed)}

    return call


def batch(batch_id: str, state: str, at: str) -> dict[str, Any]:
    return {"batchId": batch_id, "settlementState": state, "settlementTimeUTC": at}


def anet_txn(trans_id: str, status: str, amount: str) -> dict[str, Any]:
    return {"transId": trans_id, "transactionStatus": status, "settleAmount": amount}


async def test_authorizenet_a_day_without_a_batch_waits_until_it_is_over() -> None:
    reports = AuthorizeNetSettlement(anet_call([], {}), "USD")
    assert not (await reports.settlement_report(TODAY, None)).ready
    page = await reports.settlement_report(PAST, None)
    assert page.ready and page.items == [] and not page.has_more


async def test_authorizenet_settled_batches_paged_with_the_processors_cursor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("payment_saga.processors.authorizenet.settlement.PAGE_LIMIT", 2)
    batches = [
        batch("2", "settledSuccessfully", "2026-11-20T22:00:00Z"),
        batch("9", "settlementError", "2026-11-20T21:00:00Z"),
        batch("1", "settledSuccessfully", "2026-11-20T20:00:00Z"),
    ]
    lists = {
        "1": [anet_txn("11", "settledSuccessfully", "60.00"), anet_txn("12", "voided", "0.00"),
              anet_txn("13", "refundSettledSuccessfully", "25.00")],
        "2": [anet_txn("21", "declined", "0.00")],
    }  # fmt: skip
    reports = AuthorizeNetSettlement(anet_call(batches, lists), "USD")

    first = await reports.settlement_report(PAST, None)
    second = await reports.settlement_report(PAST, first.cursor)
    third = await reports.settlement_report(PAST, second.cursor)

    assert (first.has_more, first.cursor) == (True, "1:2")
    assert [(i.item_id, i.kind, i.amount, i.fee, i.payout_id) for i in first.items] == [
        ("11", "capture", 6000, 0, "1"),
    ]
    assert [(i.item_id, i.kind, i.amount, i.authorization_id) for i in second.items] == [
        ("13", "refund", -2500, ""),
    ]
    assert (second.has_more, second.cursor) == (True, "2:1")
    assert (third.items, third.has_more) == ([], False)  # the error batch settled nothing


def test_authorizenet_test_server_lists_a_batch_settled_in_the_searchs_last_second() -> None:
    """A batch settled this second is in a range ending now, to the second, as the adapter's
    lookup asks (search.py): with the time kept to the microsecond it was not, and the chaos
    suite saw a transaction settled in the same request as its lookup go unfound."""
    now = datetime.now(UTC)
    batch_times = {"60000000001": settlement_time(None)}
    asked = {
        "firstSettlementDate": "2026-01-01T00:00:00Z",
        "lastSettlementDate": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    listed = settled_batches(batch_times, asked)
    assert [batch["batchId"] for batch in listed] == ["60000000001"]


async def test_authorizenet_lookup_finds_a_batch_settled_while_it_asks() -> None:
    """The lookup by invoice (search.py) reads the unsettled list, then the settled batches up
    to now: a transaction that left the first for a batch settling a moment later (a server
    clock ahead of ours, or the batch closing while the request travels) was in neither, and
    the processors' chaos suite authorized twice. The range now ends a little ahead."""
    settled_at = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0).isoformat()
    transaction = {"transId": "60000000002", "invoiceNumber": "INV1", "settleAmount": "10.00"}

    async def call(name: str, body: dict[str, Any]) -> dict[str, Any]:
        if name == "getUnsettledTransactionListRequest":
            return {"transactions": [], "totalNumInResultSet": 0}
        if name == "getSettledBatchListRequest":
            return {"batchList": settled_batches({"60000000001": settled_at}, body)}
        return {"transactions": [transaction], "totalNumInResultSet": 1}

    assert await TransactionSearch(call).by_invoice("INV1") == transaction
