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
from functools import partial
from typing import Any

from payment_saga.domain.money import exponent
from payment_saga.processors.port import SettlementItem, SettlementPage
from payment_saga.processors.settlement_pages import page_across

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
        return await page_across(batches, starting_after, "1", partial(self._page, day))

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
        self, day: str, batch_id: str, page: str
    ) -> tuple[list[SettlementItem], str | None]:
        """Page number `page` of the batch's transactions (from 1), and the next's number."""
        number = int(page) if page.isdigit() else 1
        answer = await self._call(
            "getTransactionListRequest",
            {
                "batchId": batch_id,
                "sorting": {"orderBy": "submitTimeUTC", "orderDescending": False},
                "paging": {"limit": self._page_limit, "offset": number},
            },
        )
        transactions = answer.get("transactions") or []
        items = [
            self._item(transaction, batch_id, day)
            for transaction in transactions
            if transaction.get("transactionStatus") in SETTLED
        ]
        total = int(answer.get("totalNumInResultSet") or 0)
        more = len(transactions) == self._page_limit and number * self._page_limit < total
        return items, str(number + 1) if more else None

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
