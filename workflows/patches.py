"""Workflow patches, and one patch that stands for all of them in runs begun since.

The SDK records a marker for every patch a run takes, and upserts the `TemporalChangeVersion`
search attribute with it: five patches on an automatic payment's path cost five markers and
five upserts (visibility writes) in every new run. A run begun on this code records
`ALL_PATCHES` once, at its start, and takes every patch below without recording each; a run
begun before replays its own markers as it recorded them.

Passed through the workflow sandbox, like workflows/steps.py.
"""

from __future__ import annotations

from temporalio import workflow

# Stands for every patch below; a new patch is added below and to runs from then on by
# renaming this one (runs begun before then replay the per-patch markers they recorded).
ALL_PATCHES = "all-patches-2026-11"

SHORT_RUNS = "short-runs"
CANCEL_REFUNDS = "cancel-refunds-captured"
VOID_ON_CANCEL = "void-when-canceled-while-authorizing"
ACCOUNT_ATTRIBUTE = "account-search-attribute"
CHANGED_ATTRIBUTES = "changed-search-attributes"
LOCAL_STEPS = "local-gateway-steps"
RESOLVE = "resolve-unclear-outcomes"

# The workflow instance's attribute that holds whether its run recorded ALL_PATCHES.
_TAKES_ALL = "_takes_all_patches"


def take_all_at_start() -> bool:
    """Called once, first thing in a run: True for a run begun on this code (the marker is
    recorded), False for one replaying a history begun before."""
    takes_all = workflow.patched(ALL_PATCHES)
    setattr(workflow.instance(), _TAKES_ALL, takes_all)
    return takes_all


def patched(patch_id: str) -> bool:
    """`workflow.patched(patch_id)`, without a marker of its own in runs that took all."""
    return bool(getattr(workflow.instance(), _TAKES_ALL, False)) or workflow.patched(patch_id)
