"""The reconciliation workflow's inputs and answers (#32): one run per processor and
settlement day (workflows/reconciliation.py, activities/reconciliation.py)."""

from __future__ import annotations

from dataclasses import dataclass

from payment_saga.processors.port import SettlementItem

# An open discrepancy escalates once its settlement day is this far behind the day reconciled
# (RECONCILIATION_ESCALATE_AFTER_DAYS).
ESCALATE_AFTER_DAYS = 3
# How long a run waits for a day's report that is not there yet, and how often it asks.
REPORT_WAIT_SECONDS = 24 * 3600
REPORT_LOOK_SECONDS = 15 * 60


def workflow_id(processor: str, day: str) -> str:
    """One run per processor and day: reconciling the day again is the same workflow id."""
    return f"reconciliation:{processor}:{day}"


@dataclass(frozen=True)
class ReconcileInput:
    processor: str
    # YYYY-MM-DD, the settlement date of the report; "" (the schedule's): the day it fired.
    day: str
    report_wait_seconds: int = REPORT_WAIT_SECONDS
    report_look_seconds: int = REPORT_LOOK_SECONDS


@dataclass(frozen=True)
class PageRequest:
    processor: str
    day: str
    starting_after: str | None = None


@dataclass(frozen=True)
class RecordRequest:
    processor: str
    day: str
    items: list[SettlementItem]


@dataclass(frozen=True)
class RecordAnswer:
    settled: int  # items recorded for the first time
    discrepancies: int  # discrepancies opened for the first time


@dataclass(frozen=True)
class MissingRequest:
    processor: str
    day: str


@dataclass(frozen=True)
class MissingAnswer:
    missing: int  # discrepancies opened for the first time


@dataclass(frozen=True)
class EscalateRequest:
    processor: str
    day: str  # the day reconciled: open discrepancies of days far enough before it escalate


@dataclass(frozen=True)
class EscalateAnswer:
    escalated: int  # discrepancies escalated now (not before)


@dataclass(frozen=True)
class ReconcileResult:
    processor: str
    day: str
    # False: the report never came within report_wait_seconds (nothing was matched).
    report_ready: bool
    items: int = 0
    settled: int = 0
    discrepancies: int = 0
    missing: int = 0
    escalated: int = 0
