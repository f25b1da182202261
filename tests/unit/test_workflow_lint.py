"""A change to workflows/ comes with what proves it safe for runs in flight: new recorded
histories (and a patch when it changes the commands a run issues), or the fingerprint renewed
on purpose when it does not (devtools/workflow_fingerprint.py)."""

from __future__ import annotations

from pathlib import Path

from devtools.workflow_fingerprint import RECORDED, fingerprint

WHAT_TO_DO = """workflows/ changed since the recorded histories (tests/unit/histories/) were made.
- If the change alters the commands a run issues (an activity, a timer, a marker, a search
  attribute, their order): put it behind patches.patched(...) with a new generation first
  (workflows/patches.py), run the replay gate against the live cluster before deploying
  (payment-saga workflows replay-check), record today's histories
  (RECORD_HISTORIES=tests/unit/histories pytest tests/integration/test_replay.py), then
  `make workflow-fingerprint`.
- If it does not (a rename, a log line, a refactor): say so with `make workflow-fingerprint`,
  committed with the change.
Runs begun on versioned workers (WORKER_VERSIONING) are pinned to their build and need no
patch; the patch is for runs begun before versioning (docs/operations.md, "Deploying new
workflow code")."""


def test_workflow_code_is_what_the_histories_were_recorded_with() -> None:
    assert RECORDED.read_text().strip() == fingerprint(), WHAT_TO_DO


def test_the_fingerprint_sees_code_and_not_comments(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text('"""Doc."""\n\nasync def run():\n    return 1  # one\n')
    before = fingerprint(tmp_path)
    (tmp_path / "w.py").write_text('"""Other doc."""\n\n\nasync def run():\n    return 1\n')
    assert fingerprint(tmp_path) == before
    (tmp_path / "w.py").write_text('"""Doc."""\n\nasync def run():\n    return 2\n')
    assert fingerprint(tmp_path) != before
