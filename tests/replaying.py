"""The replayer every replay test uses: today's PaymentWorkflow and ReconciliationWorkflow in the
strict sandbox, reading histories recorded with the test stack's codec key (tests/keys.py)."""

from __future__ import annotations

from temporalio.worker import Replayer

from tests.keys import keyed_data_converter
from workflows.payment import PaymentWorkflow
from workflows.reconciliation import ReconciliationWorkflow
from workflows.sandbox import sandbox_runner


def keyed_replayer() -> Replayer:
    return Replayer(
        workflows=[PaymentWorkflow, ReconciliationWorkflow],
        workflow_runner=sandbox_runner(),
        data_converter=keyed_data_converter(),
    )
