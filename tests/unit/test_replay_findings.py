"""What the replay gate found on a live cluster, kept as a regression test.

`authorize_deadline_then_slow_void.json` is a run of the code of 2026-12-05
(tests/integration/test_processor_holds.py, a gateway slower than the 1 s authorize deadline):
the authorize local activity timed out, the void ran, the payment failed. Replaying it failed
with "[TMPRL1100] Nondeterminism error: Missing associated machine for LocalActivity(2)": live,
the SDK hands a local activity's timeout to the workflow wrapped in an ActivityError; replayed
from its marker, the same timeout arrives bare, so the workflow's `except STEP_FAILED` let it
through, the replayed run failed at once instead of voiding, and the void's marker had no
command to match. A worker that lost such a run from its cache (a restart, an eviction) failed
its workflow tasks until workflows/steps.py caught the bare timeout too.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory

from tests.replaying import keyed_replayer

FINDING = Path(__file__).parent / "replay_findings" / "authorize_deadline_then_slow_void.json"


async def test_a_run_whose_authorize_timed_out_replays() -> None:
    history = WorkflowHistory.from_json(FINDING.stem, FINDING.read_text())
    await keyed_replayer().replay_workflow(history)
