"""The reconciliation's Temporal Schedules (#32): one per processor that reports its
settlement, each day at RECONCILIATION_HOUR:RECONCILIATION_MINUTE (UTC), reconciling the report
dated that day. Every worker ensures them at start; the first creates them, the rest find them
there (a schedule is the cluster's, not a process's)."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.service import RPCError

from payment_saga.config import Settings
from payment_saga.domain.reconciliation import ReconcileInput
from workflows.reconciliation import ReconciliationWorkflow

log = logging.getLogger("payment_saga.worker")
# A missed firing (the cluster was down) still runs if it is at most this late.
CATCHUP_WINDOW = timedelta(days=1)


def schedule_id(processor: str) -> str:
    return f"reconciliation-{processor}"


async def ensure_reconciliation_schedules(
    client: Client, settings: Settings, processors: list[str]
) -> None:
    when = settings.reconciliation
    spec = ScheduleSpec(
        calendars=[
            ScheduleCalendarSpec(
                hour=[ScheduleRange(when.hour)], minute=[ScheduleRange(when.minute)]
            )
        ]
    )
    for processor in processors:
        action = ScheduleActionStartWorkflow(
            ReconciliationWorkflow.run,
            ReconcileInput(processor, day=""),  # the day it fires
            id=f"reconciliation:{processor}:scheduled",
            task_queue=settings.temporal.task_queue,
        )
        policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW)
        try:
            await client.create_schedule(
                schedule_id(processor), Schedule(action=action, spec=spec, policy=policy)
            )
            log.info("reconciliation schedule %s created", schedule_id(processor))
        except ScheduleAlreadyRunningError:
            pass  # another worker, or an earlier start, made it
        except RPCError as error:  # payments go on; the next worker start tries again
            log.error("reconciliation schedule %s not made: %s", schedule_id(processor), error)
