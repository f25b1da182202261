"""`payment-saga reconciliation`: settlement reconciliation (#32). `run --processor NAME --date
DAY` reconciles one processor's settlement day now (the run repeats safely); `discrepancies`
lists what settlement and our books disagree on."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.reconciliation import Discrepancy
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.domain.reconciliation import ReconcileInput, ReconcileResult, workflow_id
from workflows.reconciliation import ReconciliationWorkflow


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("reconciliation", help="settlement reports against our books")
    actions = parser.add_subparsers(dest="action", required=True)
    run_one = actions.add_parser("run", help="reconcile a processor's settlement day now")
    run_one.add_argument("--processor", required=True, help="simulator, stripe, authorizenet...")
    run_one.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    listed = actions.add_parser("discrepancies", help="what settlement and our books disagree on")
    listed.add_argument("--status", default="open", choices=("open", "closed", "all"))


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
    if args.action == "run":
        client = await connect_temporal(settings)
        return [asdict(await reconcile(client, settings, args.processor, args.date))]
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            found = select(Discrepancy).order_by(Discrepancy.opened_at)
            if args.status != "all":
                found = found.where(Discrepancy.status == args.status)
            rows = (await session.execute(found)).scalars().all()
    finally:
        await engine.dispose()
    return [
        {"id": row.id, "kind": row.kind, "status": row.status, "payment_id": row.payment_id,
         "expected": row.expected_amount, "settled": row.settled_amount,
         "currency": row.currency, "date": row.settlement_date.isoformat(), "detail": row.detail}
        for row in rows
    ]  # fmt: skip
