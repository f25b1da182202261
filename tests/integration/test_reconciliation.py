"""Settlement reconciliation on the simulator (#32): captures settle net of the fee schedule
and are recorded once; the short card opens an amount mismatch and the unsettled card a
missing discrepancy; reconciling the same day twice changes nothing; a day without its report
yet waits, and without one in the wait ends saying so."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from temporalio.client import Client

from devtools.testservers.simulator.books import (
    APPROVED_CARDS,
    SHORT_SETTLEMENT_CARD,
    UNSETTLED_CARD,
)
from payment_saga.config import Settings
from payment_saga.db.models import OutboxEvent, Payment
from payment_saga.db.reconciliation import Discrepancy, ReconciliationBook, SettledOperation
from payment_saga.db.session import SessionFactory
from payment_saga.db.views import settlement_view
from payment_saga.domain.reconciliation import ReconcileResult
from payment_saga.ops.audit.run import audit
from payment_saga.ops.cli.reconciliation import reconcile
from payment_saga.processors.port import SettlementItem
from payment_saga.steering.schedules import schedule_id
from tests.integration.conftest import Payments, run_cli
from workflows.reconciliation import ReconciliationWorkflow


async def captured(payments: Payments, card: str, amount: int) -> str:
    handle = await payments.start(card, amount=amount, currency="EUR")
    assert (await handle.result()).status == "captured"
    return handle.id


async def test_a_settlement_day_is_matched_to_our_books_once(
    payments: Payments, temporal: Client, settings: Settings, sessions: SessionFactory,
    gateway_http: httpx.AsyncClient,
) -> None:  # fmt: skip
    every_approved = [await captured(payments, card, 10_000) for card in APPROVED_CARDS]
    approved = every_approved[0]
    short = await captured(payments, SHORT_SETTLEMENT_CARD, 5_000)
    unsettled = await captured(payments, UNSETTLED_CARD, 5_000)
    last = await captured(payments, "4242424242424242", 2_000)  # after it: it should be settled
    (await gateway_http.post("/v1/admin/settlements/close")).raise_for_status()
    today = datetime.now(UTC).date()

    first = await reconcile(temporal, settings, "simulator", today)
    again = await reconcile(temporal, settings, "simulator", today)

    assert first.report_ready and first.settled >= 3
    assert (again.settled, again.discrepancies, again.missing) == (0, 0, 0)  # nothing twice
    async with sessions() as session:
        settled = {
            row.payment_id: (row.amount, row.fee, row.net)
            for row in (await session.execute(select(SettledOperation))).scalars()
        }
        found = (await session.execute(select(Discrepancy))).scalars().all()
    # 2.9 % + 30 of each capture (GATEWAY_SETTLEMENT_FEE_*), whatever the card's brand.
    assert {settled[payment] for payment in every_approved} == {(10_000, 320, 9_680)}
    assert settled[last] == (2_000, 88, 1_912)
    assert settled[short] == (4_999, 175, 4_824) and unsettled not in settled
    ours = [*every_approved, short, unsettled, last]
    mine = {(d.kind, d.payment_id, d.expected_amount, d.settled_amount)
            for d in found if d.payment_id in ours}  # fmt: skip
    assert mine == {("amount_mismatch", short, 5_000, 4_999), ("missing", unsettled, 5_000, None)}
    await shown_on_the_payment_and_in_its_events(sessions, approved, (10_000, 320, 9_680))
    # The audit: what settled is what we captured, or a discrepancy says it is not.
    report = await audit(sessions, settings, with_kafka=False, payment_ids=ours)
    assert [v for v in report.violations if "settle" in v] == []
    assert await events_of(sessions, f"simulator:amount_mismatch:{short}") == ["opened"]


async def shown_on_the_payment_and_in_its_events(
    sessions: SessionFactory, payment_id: str, sums: tuple[int, int, int]
) -> None:
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
        rows = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.payment_id == payment_id,
                                      OutboxEvent.type == "payment.settled")
        )  # fmt: skip
        settled_events = [row.payload["data"] for row in rows]
    assert payment is not None
    view = settlement_view(payment.settlement)
    assert view is not None and (view.amount, view.fee, view.net) == sums
    assert len(settled_events) == 1  # once, though the day was reconciled twice
    event = settled_events[0]
    assert (event["settled"]["amount"], event["settled"]["fee"]) == sums[:2]
    assert event["payment"]["settlement"]["net"] == sums[2]


async def events_of(sessions: SessionFactory, discrepancy_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.payment_id == discrepancy_id)
            .order_by(OutboxEvent.sequence)
        )  # fmt: skip
        return [row.payload["data"]["change"] for row in rows]


async def test_a_missing_capture_escalates_when_it_stays_missing(
    payments: Payments, temporal: Client, settings: Settings, sessions: SessionFactory,
    gateway_http: httpx.AsyncClient,
) -> None:  # fmt: skip
    unsettled = await captured(payments, UNSETTLED_CARD, 3_000)
    await captured(payments, "4242424242424242", 1_000)  # settles, though made after it
    (await gateway_http.post("/v1/admin/settlements/close")).raise_for_status()
    today = datetime.now(UTC).date()
    await reconcile(temporal, settings, "simulator", today)
    later = today + timedelta(days=settings.reconciliation.escalate_after_days)
    closing = {"day": later.isoformat()}  # as if the days had passed
    (await gateway_http.post("/v1/admin/settlements/close", params=closing)).raise_for_status()

    result = await reconcile(temporal, settings, "simulator", later)

    found = f"simulator:missing:{unsettled}"
    async with sessions() as session:
        row = await session.get(Discrepancy, found)
    assert row is not None and row.status == "open" and row.escalated_at is not None
    assert result.escalated >= 1
    assert await events_of(sessions, found) == ["opened", "escalated"]
    await operators_find_and_resolve_it(settings, sessions, found, later)


async def operators_find_and_resolve_it(
    settings: Settings, sessions: SessionFactory, found: str, day: date
) -> None:
    """`payment-saga reconciliation runs|show|resolve`, as an operator runs them."""
    runs = cli(settings, "reconciliation", "runs", "--processor", "simulator", "--json")
    mine = [run for run in runs if run["date"] == day.isoformat()]
    assert mine and mine[0]["state"] == "reconciled" and mine[0]["processor"] == "simulator"
    shown = cli(settings, "reconciliation", "show", found, "--json")[0]
    assert shown["discrepancy"]["escalated"] and shown["discrepancy"]["kind"] == "missing"
    assert [event["change"] for event in shown["events"]] == ["opened", "escalated"]
    note = "the processor confirms the capture was voided on its side; written off"
    cli(settings, "reconciliation", "resolve", found, "--resolution", note, "--json")
    async with sessions() as session:
        row = await session.get(Discrepancy, found)
    assert row is not None and (row.status, row.resolution) == ("resolved", note)
    assert await events_of(sessions, found) == ["opened", "escalated", "resolved"]
    again = run_cli(settings, "reconciliation", "resolve", found, "--resolution", note)
    assert again.returncode != 0 and "discrepancy_not_open" in again.stderr


def cli(settings: Settings, *words: str) -> Any:
    done = run_cli(settings, *words)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_a_day_whose_report_never_comes_ends_saying_so(
    temporal: Client, settings: Settings
) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    result = await reconcile(
        temporal, settings, "simulator", tomorrow, report_wait_seconds=2, report_look_seconds=1
    )
    assert not result.report_ready and result.items == 0


async def test_the_schedule_reconciles_the_day_it_fires(
    temporal: Client, settings: Settings
) -> None:
    """The worker made the simulator's schedule at start; triggered, it reconciles the report
    dated the day it fired."""
    schedule = temporal.get_schedule_handle(schedule_id("simulator"))
    calendar = (await schedule.describe()).schedule.spec.calendars[0]
    assert calendar.hour[0].start == settings.reconciliation.hour

    await schedule.trigger()

    query = (
        "WorkflowType = 'ReconciliationWorkflow' AND ExecutionStatus = 'Completed'"
        " AND TemporalScheduledById = 'reconciliation-simulator'"
    )
    for _ in range(300):
        runs = [run async for run in temporal.list_workflows(query)]
        if runs:
            break
        await asyncio.sleep(0.1)
    run = temporal.get_workflow_handle_for(
        ReconciliationWorkflow.run, runs[0].id, run_id=runs[0].run_id
    )
    result: ReconcileResult = await run.result()
    assert result.day == datetime.now(UTC).date().isoformat() and result.report_ready


async def test_an_item_is_matched_only_to_operations_on_its_processor(
    payments: Payments, sessions: SessionFactory
) -> None:
    """Two processors may use the same ids (Authorize.Net's are plain numbers): a report's
    item is ours only on the processor that reported it. Unscoped, an Authorize.Net refund
    was matched to another payment's refund with the same id (seen in CI)."""
    payment_id = await captured(payments, "4242424242424242", 1_000)
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None and payment.gateway_reference is not None
        item = SettlementItem(
            "st_x", "capture", payment.gateway_reference, "cap_x", 1_000, 0, 1_000, "EUR",
            "2026-12-06", "po_x",
        )  # fmt: skip
        book = ReconciliationBook(session)
        on_its_processor = await book.subject(item, "simulator", is_default=True)
        elsewhere = await book.subject(item, "authorizenet", is_default=False)
    assert on_its_processor[0] is not None and on_its_processor[0].id == payment_id
    assert elsewhere == (None, None)
