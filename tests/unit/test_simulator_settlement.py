"""The simulator's settlement (#32): each capture and refund settles once, in the batch of the
cut-off after it, net of the fee schedule; the short card settles one minor unit short, the
unsettled card never; a day's report is 404 until its cut-off, paged, and the same after a
restart."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from devtools.testservers.simulator.books import (
    SHORT_SETTLEMENT_CARD,
    UNSETTLED_CARD,
    AuthorizeRequest,
    Processor,
)
from devtools.testservers.simulator.server import create_app
from devtools.testservers.simulator.settlement import FeeSchedule, Settlements


def captured(processor: Processor, number: str, amount: int, key: str) -> str:
    """An authorization of `amount` on the card, captured whole: its id."""
    token = processor.tokenize(number, 12, 2030)["token"]
    auth_id = processor.authorize(f"{key}:a", AuthorizeRequest(token, amount, "EUR")).body["id"]
    processor.capture(f"{key}:c", processor.authorizations[auth_id], amount)
    return str(auth_id)


def test_captures_and_refunds_settle_once_net_of_fees() -> None:
    processor, desk = Processor(3600), Settlements(FeeSchedule(basis_points=290, fixed=30))
    approved = captured(processor, "4242424242424242", 10_000, "p1")
    processor.refund("p1:r", processor.authorizations[approved], 2_500)
    captured(processor, SHORT_SETTLEMENT_CARD, 5_000, "p2")
    captured(processor, UNSETTLED_CARD, 5_000, "p3")

    batch = desk.close(processor.ledger, processor.authorizations, time.time() + 1)
    again = desk.close(processor.ledger, processor.authorizations, time.time() + 2)

    settled = {(i.idempotency_key, i.amount, i.fee, i.net) for i in batch}
    assert settled == {
        ("p1:c", 10_000, 320, 9_680),  # 2.9 % + 30
        ("p1:r", -2_500, 0, -2_500),
        ("p2:c", 4_999, 175, 4_824),  # one minor unit short; the fee on what was captured
    }
    assert again == []  # settled once
    assert {i.payout_id for i in batch} == {f"po_{datetime.now(UTC):%Y%m%d}"}


def test_a_batch_closes_at_each_cut_off_passed() -> None:
    processor = Processor(3600)
    desk = Settlements(cutoff_hour=0)
    yesterday_evening = datetime(2026, 12, 5, 23, 0, tzinfo=UTC).timestamp()
    desk.close_due(processor.ledger, processor.authorizations, yesterday_evening)  # opens
    captured(processor, "4242424242424242", 1_000, "p1")
    processor.ledger[-1].at = yesterday_evening + 60  # captured at 23:01
    midnight = datetime(2026, 12, 6, 0, 0, tzinfo=UTC).timestamp()

    assert desk.report(date(2026, 12, 6), midnight - 1) is None  # before its cut-off
    desk.close_due(processor.ledger, processor.authorizations, midnight + 5)

    report = desk.report(date(2026, 12, 6), midnight + 5)
    assert report is not None and [i.idempotency_key for i in report] == ["p1:c"]
    assert report[0].settlement_date == "2026-12-06"


async def test_the_report_is_paged_not_ready_before_its_cut_off_and_kept(tmp_path: Path) -> None:
    processor = Processor(3600)
    desk = Settlements(path=tmp_path / "books.settlements")
    for index in range(3):
        captured(processor, "4242424242424242", 1_000 + index, f"p{index}")
    desk.close(processor.ledger, processor.authorizations, time.time() + 1)
    today = datetime.now(UTC).date()
    tomorrow = date.fromordinal(today.toordinal() + 1)
    transport = httpx.ASGITransport(app=create_app(processor, desk))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as sim:
        first = (await sim.get(f"/v1/settlements/{today}", params={"limit": 2})).json()
        cursor = first["data"][-1]["id"]
        rest = (await sim.get(f"/v1/settlements/{today}", params={"starting_after": cursor})).json()
        not_ready = await sim.get(f"/v1/settlements/{tomorrow}")
        unknown = await sim.get(f"/v1/settlements/{today}", params={"starting_after": "st_x"})

    assert (len(first["data"]), first["has_more"]) == (2, True)
    assert (len(rest["data"]), rest["has_more"]) == (1, False)
    assert (not_ready.status_code, not_ready.json()["error"]["code"]) == (404, "report_not_ready")
    assert unknown.status_code == 400
    restarted = Settlements(path=tmp_path / "books.settlements")
    restarted.restore()
    assert restarted.report(today, time.time()) == desk.report(today, time.time())
