"""Finding an Authorize.Net transaction by its invoice number, all of it or not at all.

Authorize.Net has no lookup by idempotency key: our key's digest is the transaction's invoice
number, found by listing transactions. A list is paged (at most 1,000 a page), and a
transaction leaves the unsettled list once its batch settles (nightly, after the account's
cut-off), so a search reads every page of the unsettled list, then the settled batches of the
last 31 days (the longest range `getSettledBatchListRequest` takes) and every page of each.
A search that cannot read everything (more pages than `MAX_PAGES`) is no answer: it raises
GatewayOutcomeUnknown, never "not applied" (docs/processors.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from payment_saga.domain.errors import GatewayOutcomeUnknown

# Authorize.Net's largest page, and how many pages one search reads before it gives up.
PAGE_LIMIT = 1000
MAX_PAGES = 50
SETTLED_WINDOW = timedelta(days=31)
CLOCK_MARGIN = timedelta(minutes=10)
Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class TransactionSearch:
    def __init__(self, call: Call) -> None:
        self._call = call
        self._pages = 0

    async def by_invoice(self, invoice: str) -> dict[str, Any] | None:
        """The transaction with this invoice number, or None when every list was read."""
        found = await self._paged("getUnsettledTransactionListRequest", {}, invoice)
        if found is not None:
            return found
        for batch_id in await self._settled_batches():
            found = await self._paged("getTransactionListRequest", {"batchId": batch_id}, invoice)
            if found is not None:
                return found
        return None

    async def _settled_batches(self) -> list[str]:
        # The range ends a little ahead of our clock: a batch that settles while the request
        # is on its way, or on a server whose clock runs ahead of ours, is listed too.
        until = datetime.now(UTC) + CLOCK_MARGIN
        dates = {
            "firstSettlementDate": (until - SETTLED_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lastSettlementDate": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        answer = await self._call("getSettledBatchListRequest", dates)
        return [str(batch["batchId"]) for batch in answer.get("batchList") or []]

    async def _paged(self, name: str, body: dict[str, Any], invoice: str) -> dict[str, Any] | None:
        offset = 1  # Authorize.Net numbers pages from 1
        while True:
            self._pages += 1
            if self._pages > MAX_PAGES:
                raise GatewayOutcomeUnknown(
                    f"Authorize.Net's lists are longer than {MAX_PAGES} pages: not all were read"
                )
            answer = await self._call(
                name,
                {
                    **body,
                    "sorting": {"orderBy": "submitTimeUTC", "orderDescending": True},
                    "paging": {"limit": PAGE_LIMIT, "offset": offset},
                },
            )
            page = answer.get("transactions") or []
            for transaction in page:
                if transaction.get("invoiceNumber") == invoice:
                    found: dict[str, Any] = transaction
                    return found
            total = int(answer.get("totalNumInResultSet") or 0)
            if len(page) < PAGE_LIMIT or offset * PAGE_LIMIT >= total:
                return None
            offset += 1
