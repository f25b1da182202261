"""The simulator's settlement (#32): what a processor pays out for the captures and refunds it
took, later, in batches, net of its fees, as Authorize.Net's settled batches and Stripe's
balance transactions report them.

Every capture and refund the books applied waits in the open batch. At the daily cut-off
(`GATEWAY_SETTLEMENT_CUTOFF_HOUR`, UTC) the open batch closes: each operation made before the
cut-off settles, dated that day, with a payout id for the day, its fee (`fee_basis_points` of
the amount, plus `fee_fixed` minor units per capture; refunds cost none) and its net. The
report of a day (`GET /v1/settlements/{day}`, paged) is there once the day's cut-off has
passed; before, it is 404 `report_not_ready` (a report that comes late). Tests close the open
batch at once (`POST /v1/admin/settlements/close`).

Two test cards settle wrong, as real settlement sometimes does (docs/test-cards.md):
`4000000000007726` settles one minor unit short, `4000000000007734` never settles.

The batches are kept in a journal beside the books (`<books>.settlements`), one JSON line per
settled item, so a restarted simulator reports the same days.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from devtools.testservers.simulator.books import Authorization, LedgerEntry

SETTLED_OPERATIONS = ("capture", "refund")
PAGE_LIMIT_MAX = 100


@dataclass(frozen=True)
class FeeSchedule:
    # 2.9 % plus 30 minor units a capture, the usual card pricing.
    basis_points: int = 290
    fixed: int = 30

    def fee(self, operation: str, amount: int) -> int:
        """Whole minor units, rounded half up; a refund costs none."""
        if operation != "capture":
            return 0
        return (amount * self.basis_points + 5_000) // 10_000 + self.fixed


@dataclass(frozen=True)
class SettledItem:
    id: str
    type: str  # capture or refund
    reference: str  # the operation's id in the books (cap_..., rf_...)
    authorization_id: str
    idempotency_key: str
    amount: int  # what settled: negative for a refund
    fee: int
    net: int
    currency: str
    settlement_date: str  # YYYY-MM-DD
    payout_id: str
    operated_at: float


@dataclass
class Settlements:
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    cutoff_hour: int = 0
    path: Path | None = None
    items: list[SettledItem] = field(default_factory=list)
    # When each batch closed (epoch seconds), the first when the books opened.
    closes: list[float] = field(default_factory=list)

    def restore(self) -> None:
        if self.path is None or not self.path.exists():
            return
        for line in self.path.read_text().splitlines():
            if line.strip():
                change = json.loads(line)
                if change["kind"] == "item":
                    self.items.append(SettledItem(**change["data"]))
                else:
                    self.closes.append(change["data"])

    def close_due(
        self, ledger: list[LedgerEntry], authorizations: dict[str, Authorization], now: float
    ) -> None:
        """Close a batch at every cut-off passed since the last one."""
        if not self.closes:
            self._mark_closed(now)
            return
        # A test's close of a later day is in the future: the batches up to now go on closing.
        last = max(at for at in self.closes if at <= now) if min(self.closes) <= now else now
        for cutoff in self._cutoffs_between(last, now):
            self.close(ledger, authorizations, cutoff)

    def close(
        self, ledger: list[LedgerEntry], authorizations: dict[str, Authorization], at: float
    ) -> list[SettledItem]:
        """Settle every capture and refund made before `at` and not settled yet, dated `at`."""
        day = datetime.fromtimestamp(at, UTC).date().isoformat()
        settled = {item.reference for item in self.items}
        batch = [
            self._settled(entry, authorizations[entry.authorization_id], day)
            for entry in ledger
            if entry.operation in SETTLED_OPERATIONS
            and entry.at < at
            and entry.reference not in settled
            and not authorizations[entry.authorization_id].behaviour.never_settles
        ]
        for item in batch:
            self.items.append(item)
            self._journal("item", asdict(item))
        self._mark_closed(at)
        return batch

    def report(self, day: date, now: float) -> list[SettledItem] | None:
        """The day's settled items, oldest first; None while its cut-off is still ahead and
        no batch of that day was closed early."""
        closed_early = any(datetime.fromtimestamp(at, UTC).date() == day for at in self.closes[1:])
        if now < self.cutoff_of(day) and not closed_early:
            return None
        return [item for item in self.items if item.settlement_date == day.isoformat()]

    def _settled(self, entry: LedgerEntry, auth: Authorization, day: str) -> SettledItem:
        amount = entry.amount if entry.operation == "capture" else -entry.amount
        if auth.behaviour.settles_short and entry.operation == "capture":
            amount -= 1
        fee = self.fees.fee(entry.operation, entry.amount)
        return SettledItem(
            id=f"st_{entry.reference}", type=entry.operation, reference=entry.reference,
            authorization_id=entry.authorization_id, idempotency_key=entry.idempotency_key,
            amount=amount, fee=fee, net=amount - fee, currency=entry.currency,
            settlement_date=day, payout_id=f"po_{day.replace('-', '')}", operated_at=entry.at,
        )  # fmt: skip

    def cutoff_of(self, day: date) -> float:
        return datetime(day.year, day.month, day.day, self.cutoff_hour, tzinfo=UTC).timestamp()

    def _cutoffs_between(self, after: float, until: float) -> Iterable[float]:
        day = datetime.fromtimestamp(after, UTC).date()
        while (cutoff := self.cutoff_of(day)) <= until:
            if cutoff > after:
                yield cutoff
            day += timedelta(days=1)

    def _mark_closed(self, at: float) -> None:
        self.closes.append(at)
        self._journal("closed", at)

    def _journal(self, kind: str, data: object) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as journal:
            journal.write(json.dumps({"kind": kind, "data": data}) + "\n")


def page(
    items: list[SettledItem], starting_after: str | None, limit: int
) -> tuple[list[SettledItem], bool] | None:
    """One page of a report after the item `starting_after` (Stripe's cursor paging), and
    whether more follow; None for a cursor the report does not hold."""
    start = 0
    if starting_after is not None:
        ids = [item.id for item in items]
        if starting_after not in ids:
            return None
        start = ids.index(starting_after) + 1
    return items[start : start + limit], start + limit < len(items)
