"""The Stripe test server's balance (#32): a balance transaction per capture and refund, with
Stripe's fee on charges, paid out in payouts, listed as Stripe lists them
(`GET /v1/balance_transactions?payout=`, `GET /v1/payouts?arrival_date[gte]=`), paged by
`limit` and `starting_after`. `POST /_fake/payouts` pays out what is not paid out yet, as
Stripe's automatic payouts do once a day (docs/processors.md, "Settlement")."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from devtools.testservers.simulator.settlement import FeeSchedule

# Stripe's standard pricing for cards, 2.9 % + 30 (in the minor unit), as the simulator's
# schedule has it; no fee returned on a refund (Stripe keeps the original charge's fee).
FEES = FeeSchedule()


def new_id(prefix: str) -> str:
    """An id as Stripe makes them: the object's prefix and a random part."""
    return f"{prefix}_{secrets.token_hex(12)}"


@dataclass
class Balance:
    transactions: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)

    def charged(self, charge_id: str, amount: int, currency: str) -> None:
        fee = FEES.fee("capture", amount)
        self._add("charge", charge_id, amount, fee, currency)

    def refunded(self, refund_id: str, amount: int, currency: str) -> None:
        self._add("refund", refund_id, -amount, 0, currency)

    def pay_out(self, day: date | None, status: str) -> dict[str, Any]:
        """A payout of every transaction not paid out yet, arriving `day` (None: today)."""
        arrival = day or datetime.now(UTC).date()
        due = [
            txn for txn in self.transactions if txn["payout"] is None and txn["type"] != "payout"
        ]
        payout_id = new_id("po")
        amount = sum(txn["net"] for txn in due)
        currency = due[0]["currency"] if due else "usd"
        own = self._add("payout", payout_id, -amount, 0, currency)
        for txn in [*due, own]:
            txn["payout"] = payout_id
        payout = {
            "id": payout_id, "object": "payout", "amount": amount, "currency": currency,
            "arrival_date": int(datetime(arrival.year, arrival.month, arrival.day,
                                         tzinfo=UTC).timestamp()),
            "automatic": True, "balance_transaction": own["id"], "created": int(time.time()),
            "livemode": False, "method": "standard", "status": status, "type": "bank_account",
        }  # fmt: skip
        self.payouts.append(payout)
        return payout

    def arrived(self, payout_id: str) -> dict[str, Any]:
        payout = next(p for p in self.payouts if p["id"] == payout_id)
        payout["status"] = "paid"
        return payout

    def list_transactions(
        self,
        query: Any,
        shape: dict[str, Any],
        sources: dict[str, dict[str, Any]],
        expand: set[str],
    ) -> dict[str, Any]:
        """Newest first, as Stripe lists; `payout` keeps only that payout's."""
        wanted = query.get("payout")
        found = [t for t in reversed(self.transactions) if wanted is None or t["payout"] == wanted]
        chosen, more = _paged(found, query)
        shown = [_public(txn, sources if "data.source" in expand else None) for txn in chosen]
        return {**shape, "object": "list", "data": shown, "has_more": more}

    def list_payouts(self, query: Any, shape: dict[str, Any]) -> dict[str, Any]:
        low = int(query.get("arrival_date[gte]", 0))
        high = int(query.get("arrival_date[lt]", 2**62))
        found = [p for p in reversed(self.payouts) if low <= p["arrival_date"] < high]
        chosen, more = _paged(found, query)
        return {**shape, "object": "list", "data": chosen, "has_more": more}

    def _add(self, kind: str, source: str, amount: int, fee: int, currency: str) -> dict[str, Any]:
        now = int(time.time())
        txn = {
            "id": new_id("txn"), "object": "balance_transaction", "amount": amount,
            "available_on": now, "created": now, "currency": currency.lower(), "fee": fee,
            "fee_details": [{"amount": fee, "currency": currency.lower(), "type": "stripe_fee",
                             "description": "Stripe processing fees"}] if fee else [],
            "net": amount - fee, "reporting_category": kind, "source": source,
            "status": "available", "type": kind, "payout": None,
        }  # fmt: skip
        self.transactions.append(txn)
        return txn


def _paged(found: list[dict[str, Any]], query: Any) -> tuple[list[dict[str, Any]], bool]:
    limit = int(query.get("limit", 10))
    after = query.get("starting_after")
    ids = [entry["id"] for entry in found]
    start = ids.index(after) + 1 if after in ids else 0
    return found[start : start + limit], start + limit < len(found)


def _public(txn: dict[str, Any], sources: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    shown = {key: value for key, value in txn.items() if key != "payout"}
    if sources is not None and txn["source"] in sources:
        shown["source"] = sources[txn["source"]]
    return shown
