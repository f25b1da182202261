"""What the replay gate found on a live cluster, kept so it is not forgotten.

`authorize_deadline_then_slow_void.json` is a run of today's code
(tests/integration/test_processor_holds.py, a gateway slower than the 1 s authorize deadline):
the authorize local activity timed out within the first workflow task, the void that followed
ran 12 s, past the task's heartbeat, and its marker was recorded in the next task. Replaying it
fails: "[TMPRL1100] Nondeterminism error: Missing associated machine for LocalActivity(2)".
A worker that lost the run from its cache while such a void was in flight (a restart, an
eviction) would fail that run's workflow tasks the same way until a fix is deployed. The fix
is open: a newer SDK, or the void after an authorize deadline as a normal activity behind a
patch. This test fails (strict xfail) once the history replays, to say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.keys import keyed_data_converter
from workflows.payment import PaymentWorkflow
from workflows.sandbox import sandbox_runner

FINDING = Path(__file__).parent / "replay_findings" / "authorize_deadline_then_slow_void.json"


@pytest.mark.xfail(strict=True, reason="a local activity resolved across a task heartbeat")
async def test_a_void_outlasting_the_task_after_an_authorize_deadline_replays() -> None:
    history = WorkflowHistory.from_json(FINDING.stem, FINDING.read_text())
    replayer = Replayer(
        workflows=[PaymentWorkflow],
        workflow_runner=sandbox_runner(),
        data_converter=keyed_data_converter(),
    )
    await replayer.replay_workflow(history)
