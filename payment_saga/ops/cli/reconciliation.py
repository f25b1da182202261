"""`payment-saga reconciliation`: settlement reconciliation (#32; docs/operations.md,
"Settlement reconciliation").

    run --processor NAME --date DAY   reconcile one processor's settlement day now (repeats safely)
    runs [--processor NAME]           the latest runs, scheduled or not, by their search attributes
    discrepancies [--status S]        what settlement and our books disagree on
    show ID                           one discrepancy, its events, and what settled for its payment
    resolve ID --resolution TEXT      an operator's word on an open one (its event says so)
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from temporalio.client import Client, WorkflowExecution
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.models import OutboxEvent, Payment
from payment_saga.db.reconciliation import Discrepancy, ReconciliationBook
from payment_saga.db.session import SessionFactory, create_engine, create_session_factory
from payment_saga.db.views import discrepancy_view, settlement_view
from payment_saga.domain.errors import PaymentSagaError
from payment_saga.domain.reconciliation import ReconcileInput, ReconcileResult, workflow_id
from payment_saga.events.rows import discrepancy_event
from workflows import search_attributes as attrs
from workflows.reconciliation import ReconciliationWorkflow

RUNS_SHOWN = 30


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("reconciliation", help="settlement reports against our books")
    actions = parser.add_subparsers(dest="action", required=True)
    run_one = actions.add_parser("run", help="reconcile a processor's settlement day now")
    run_one.add_argument("--processor", required=True, help="simulator, stripe, authorizenet...")
    run_one.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    runs = actions.add_parser("runs", help="the latest reconciliation runs")
    runs.add_argument("--processor", help="only this processor's")
    runs.add_argument("--limit", type=int, default=RUNS_SHOWN)
    listed = actions.add_parser("discrepancies", help="what settlement and our books disagree on")
    listed.add_argument("--status", default="open", choices=("open", "closed", "resolved", "all"))
    show = actions.add_parser("show", help="one discrepancy, its events, its payment's settlement")
    show.add_argument("id")
    resolve = actions.add_parser("resolve", help="close an open discrepancy with your word")
    resolve.add_argument("id")
    resolve.add_argument("--resolution", required=True, help="what was found and done")


async def reconcile(
    client: Client, settings: Settings, processor: str, day: date, **options: int
) -> ReconcileResult:
    """Run the day's reconciliation and wait for it. A run of the same day that is open is
    joined; a closed one is run again (it changes nothing it did before)."""
    return await client.execute_workflow(
        ReconciliationWorkflow.run,
        ReconcileInput(processor, day.isoformat(), **options),
        id=workflow_id(processor, day.isoformat()),
        task_queue=settings.temporal.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    settings = Settings()
    if args.action in ("run", "runs"):
        client = await connect_temporal(settings)
        if args.action == "runs":
            return await latest_runs(client, args.processor, args.limit)
        return [asdict(await reconcile(client, settings, args.processor, args.date))]
    engine = create_engine(settings.database)
    try:
        sessions = create_session_factory(engine)
        if args.action == "show":
            return [await show(sessions, args.id)]
        if args.action == "resolve":
            return [await resolve(sessions, args.id, args.resolution)]
        return await discrepancies(sessions, args.status)
    finally:
        await engine.dispose()


async def latest_runs(client: Client, processor: str | None, limit: int) -> list[dict[str, Any]]:
    query = "WorkflowType = 'ReconciliationWorkflow'"
    if processor:
        query += f" AND {attrs.RECONCILIATION_PROCESSOR.name} = '{processor}'"
    found = client.list_workflows(query, limit=limit)
    return [_run_row(execution) async for execution in found]


def _run_row(execution: WorkflowExecution) -> dict[str, Any]:
    found = execution.typed_search_attributes
    day = found.get(attrs.SETTLEMENT_DATE)
    status = execution.status
    return {
        "id": execution.id,
        "processor": found.get(attrs.RECONCILIATION_PROCESSOR),
        "date": day.date().isoformat() if day else None,
        "state": found.get(attrs.RECONCILIATION_STATE),
        "discrepancies": found.get(attrs.DISCREPANCIES_FOUND),
        "status": status.name.lower() if status else None,
        "started": execution.start_time.isoformat(),
    }


async def discrepancies(sessions: SessionFactory, status: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        found = select(Discrepancy).order_by(Discrepancy.opened_at)
        if status != "all":
            found = found.where(Discrepancy.status == status)
        rows = (await session.execute(found)).scalars().all()
    return [
        {"id": row.id, "kind": row.kind, "status": row.status,
         "escalated": row.escalated_at is not None, "payment_id": row.payment_id,
         "expected": row.expected_amount, "settled": row.settled_amount,
         "currency": row.currency, "date": row.settlement_date.isoformat(), "detail": row.detail}
        for row in rows
    ]  # fmt: skip


async def show(sessions: SessionFactory, discrepancy_id: str) -> dict[str, Any]:
    async with sessions() as session:
        row = await session.get(Discrepancy, discrepancy_id)
        if row is None:
            raise PaymentSagaError(f"no discrepancy {discrepancy_id}", code="resource_missing")
        payment = await session.get(Payment, row.payment_id) if row.payment_id else None
        events = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.payment_id == discrepancy_id)
            .order_by(OutboxEvent.sequence)
        )  # fmt: skip
        changes = [(event.payload["data"]["change"], event.payload["time"]) for event in events]
    settled = settlement_view(payment.settlement) if payment else None
    return {
        "discrepancy": discrepancy_view(row).model_dump(mode="json"),
        "events": [{"change": change, "time": at} for change, at in changes],
        "payment_settlement": settled.model_dump(mode="json") if settled else None,
    }


async def resolve(sessions: SessionFactory, discrepancy_id: str, resolution: str) -> dict[str, Any]:
    """The operator's word closes it, with its event, in one transaction."""
    async with sessions.begin() as session:
        changed = await ReconciliationBook(session).resolve(discrepancy_id, resolution)
        if not changed:
            raise PaymentSagaError(
                f"no open discrepancy {discrepancy_id} (see: reconciliation discrepancies"
                " --status all)",
                code="discrepancy_not_open",
            )
        session.add(discrepancy_event(changed[0], "resolved"))
        resolved = discrepancy_view(changed[0]).model_dump(mode="json")
    return {"id": resolved["id"], "status": resolved["status"], "resolution": resolution}
