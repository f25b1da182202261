"""Committed histories (one per scenario) replay against the current workflow code.

A change that would break payments already in flight fails here; re-record with
RECORD_HISTORIES=tests/unit/histories pytest tests/integration/test_replay.py when intended.
`histories/before_local_steps/` holds payments begun before the `local-gateway-steps` patch
(gateway steps as normal activities) and `histories/before_short_runs/` those begun before the
`short-runs` patch (one run for the whole refund window), `histories/before_all_patches/` those
begun before patch generations (a marker per patch, workflows/patches.py), and
`histories/generation_2026_11/` those begun under the generation before `all-patches-2026-12`:
they must keep replaying until none is left in flight. `later_run_cancel` is a repaired run
that voids. `later_run_refund` is a later run, started from the
row by a refund.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from tests.replaying import keyed_replayer

HISTORIES = sorted((Path(__file__).parent / "histories").rglob("*.json"))


def test_histories_are_present() -> None:
    assert len(HISTORIES) >= 20


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await keyed_replayer().replay_workflow(history)
