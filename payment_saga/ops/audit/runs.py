"""What Temporal says of each payment: its latest workflow run, from the visibility store."""

from __future__ import annotations

from datetime import datetime

from temporalio.client import Client

from payment_saga.ops.audit.checks import RunFacts
from workflows import search_attributes as attrs


async def latest_runs(temporal: Client) -> dict[str, RunFacts]:
    """Payment id -> its latest run (a payment has one run per stretch of work)."""
    runs: dict[str, RunFacts] = {}
    started: dict[str, datetime] = {}
    async for execution in temporal.list_workflows("WorkflowType = 'PaymentWorkflow'"):
        if execution.id in started and started[execution.id] >= execution.start_time:
            continue
        started[execution.id] = execution.start_time
        found = execution.typed_search_attributes
        status = execution.status
        runs[execution.id] = RunFacts(
            run_id=execution.run_id,
            status=status.name.lower() if status is not None else "unknown",
            payment_status=found.get(attrs.PAYMENT_STATUS),
            captured=found.get(attrs.AMOUNT_CAPTURED),
            refunded=found.get(attrs.AMOUNT_REFUNDED),
        )
    return runs
