"""Stripe's settlement as a day's report (#32; docs/processors.md, "Settlement").

Stripe records each charge and refund as a balance transaction (`amount`, `fee`, `net`) and pays
them out in payouts. A day's report is the balance transactions of the payouts arriving that day
(`GET /v1/payouts?arrival_date[gte]=..&arrival_date[lt]=..`, then `GET /v1/balance_transactions
?payout=po_..`, which Stripe answers for automatic payouts), oldest payout first. A charge's
transaction names the charge; expanding `data.source` gives its PaymentIntent, our
authorization. A payout still `pending` or `in_transit` means the day is not settled yet; a
`failed` or `canceled` one paid nothing, so its transactions are not in the report (what they
settle shows up as missing). Transactions other than charges and refunds (the payout's own,
dispute adjustments, Stripe's fees billed apart) are not ours to match and are left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import stripe

from payment_saga.domain.errors import GatewayTransientError
from payment_saga.processors.port import SettlementItem, SettlementPage
from payment_saga.processors.settlement_pages import page_across

PAGE_SIZE = 100
# Balance transaction types Stripe uses for a card charge and for a refund of one.
KINDS = {"charge": "capture", "payment": "capture", "refund": "refund", "payment_refund": "refund"}
NOT_SETTLED_YET = ("pending", "in_transit")
PAID = "paid"


class StripeSettlement:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._stripe = client.v1

    async def settlement_report(self, day: str, starting_after: str | None) -> SettlementPage:
        """Items after the cursor `<payout id>:<balance transaction id>` (None: from the
        first); a page ends with its payout's page, the cursor says where the next starts."""
        try:
            payouts = await self._payouts(date.fromisoformat(day))
            if payouts is None:
                return SettlementPage([], has_more=False, ready=False)
            ids = [payout.id for payout in payouts]
            return await page_across(ids, starting_after, "", partial(self._page, day))
        except stripe.StripeError as error:  # an outage or a refusal: the activity retries
            raise GatewayTransientError(f"stripe settlement report: {error}") from None

    async def _payouts(self, day: date) -> list[stripe.Payout] | None:
        """The day's paid payouts, oldest first; None while the day is not settled yet."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        window = {"gte": int(start.timestamp()), "lt": int((start + timedelta(days=1)).timestamp())}
        found: list[stripe.Payout] = []
        params: dict[str, Any] = {"arrival_date": window, "limit": PAGE_SIZE}
        while True:
            listed = await self._stripe.payouts.list_async(params)  # type: ignore[arg-type]
            found += listed.data
            if not listed.has_more or not listed.data:
                break
            params["starting_after"] = listed.data[-1].id
        if any(payout.status in NOT_SETTLED_YET for payout in found):
            return None
        if not found and datetime.now(UTC) < start + timedelta(days=1):
            return None  # the day is not over: its payout may still come
        return sorted((p for p in found if p.status == PAID), key=lambda p: (p.created, p.id))

    async def _page(
        self, day: str, payout_id: str, after: str
    ) -> tuple[list[SettlementItem], str | None]:
        """One page of the payout's balance transactions after `after` ("": from its first)."""
        params: dict[str, Any] = {"payout": payout_id, "limit": PAGE_SIZE,
                                  "expand": ["data.source"]}  # fmt: skip
        if after:
            params["starting_after"] = after
        listed = await self._stripe.balance_transactions.list_async(params)  # type: ignore[arg-type]
        items = [_item(txn, day, payout_id) for txn in listed.data if txn.type in KINDS]
        return items, listed.data[-1].id if listed.has_more and listed.data else None


def _item(txn: stripe.BalanceTransaction, day: str, payout_id: str) -> SettlementItem:
    source: Any = txn.source
    kind = KINDS[txn.type]
    return SettlementItem(
        item_id=txn.id,
        kind="capture" if kind == "capture" else "refund",
        authorization_id=str(getattr(source, "payment_intent", "") or ""),
        reference=str(getattr(source, "id", source)),
        amount=txn.amount,
        fee=txn.fee,
        net=txn.net,
        currency=txn.currency.upper(),
        settlement_date=day,
        payout_id=payout_id,
    )
