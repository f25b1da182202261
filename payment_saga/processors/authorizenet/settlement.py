"""Authorize.Net's settlement as a day's report (#32; docs/processors.md, "Settlement").

Authorize.Net settles the day's transactions in a batch at the account's cut-off. Transaction
Reporting lists the batches settled in a time range (`getSettledBatchListRequest`, UTC) and
each batch's transactions (`getTransactionListRequest`, paged: at most 1,000 a page, pages
numbered from 1). A day's report is the transactions of the batches settled that day (UTC):
`settledSuccessfully` is a capture (its id is the authorization's: a prior-auth capture keeps
it), `refundSettledSuccessfully` a refund (its own id); voided, declined and expired ones moved
no money and are left out. Authorize.Net bills its fees monthly, not per transaction: an item's
fee is 0 and its net its amount. The batch id is the payout id. A batch in `settlementError`
settled nothing: its transactions are not in the report (they show up as missing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from payment_saga.domain.money import exponent
from payment_saga.processors.port import SettlementItem, SettlementPage

PAGE_LIMIT = 1000
SETTLED = {"settledSuccessfully": "capture", "refundSettledSuccessfully": "refund"}
Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class AuthorizeNetSettlement:
    def __init__(self, call: Call, currency: str) -> None:
        self._call = call
        self._currency = currency
        self._page_limit = PAGE_LIMIT

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        """Items after the cursor `<batch id>:<page>` (None: from the first batch's first
        page); a page is one page of one batch, the cursor says where the next starts."""
        batches = await self._batches(date.fromisoformat(day))
        if batches is None:
            return SettlementPage([], has_more=False, ready=False)
        batch_id, _, page = (starting_after or "").partition(":")
        index = batches.index(batch_id) if batch_id in batches else 0
        number = int(page) if batch_id in batches and page.isdigit() else 1
        for position in range(index, len(batches)):
            items, more = await self._page(batches[position], number, day)
            last = position == len(batches) - 1
            if more:
                return SettlementPage(items, True, cursor=f"{batches[position]}:{number + 1}")
            if items or last:
                following = "" if last else f"{batches[position + 1]}:1"
                return SettlementPage(items, not last, cursor=following)
            number = 1
        return SettlementPage([], has_more=False)

    async def _batches(self, day: date) -> list[str] | None:
        """The ids of the batches settled on the day, oldest first; None while the day may
        still settle one (it is not over and none is listed yet)."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1) - timedelta(seconds=1)
        answer = await self._call(
            "getSettledBatchListRequest",
            {
                "includeStatistics": False,
                "firstSettlementDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lastSettlementDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
        listed = answer.get("batchList") or []
        if not listed and datetime.now(UTC) <= end:
            return None
        if any(batch.get("settlementState") == "pendingSettlement" for batch in listed):
            return None
        ordered = sorted(listed, key=lambda batch: str(batch.get("settlementTimeUTC", "")))
        return [str(b["batchId"]) for b in ordered if b["settlementState"] == "settledSuccessfully"]

    async def _page(
        self, batch_id: str, number: int, day: str
    ) -> tuple[list[SettlementItem], bool]:
        answer = await self._call(
            "getTransactionListRequest",
            {
                "batchId": batch_id,
                "sorting": {"orderBy": "submitTimeUTC", "orderDescending": False},
                "paging": {"limit": self._page_limit, "offset": number},
            },
        )
        page = answer.get("transactions") or []
        items = [
            self._item(transaction, batch_id, day)
            for transaction in page
            if transaction.get("transactionStatus") in SETTLED
        ]
        total = int(answer.get("totalNumInResultSet") or 0)
        return items, len(page) == self._page_limit and number * self._page_limit < total

    def _item(self, transaction: dict[str, Any], batch_id: str, day: str) -> SettlementItem:
        kind = SETTLED[transaction["transactionStatus"]]
        amount = int(Decimal(str(transaction["settleAmount"])).scaleb(exponent(self._currency)))
        if kind == "refund":
            amount = -amount
        trans_id = str(transaction["transId"])
        return SettlementItem(
            item_id=trans_id,
            kind="capture" if kind == "capture" else "refund",
            # A refund's list entry does not name what it refunds: it is matched by its own id.
            authorization_id=trans_id if kind == "capture" else "",
            reference=trans_id,
            amount=amount,
            fee=0,
            net=amount,
            currency=self._currency,
            settlement_date=day,
            payout_id=batch_id,
        )
