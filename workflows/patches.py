"""Workflow patches, and generation markers that stand for all of them in new runs.

The SDK records a marker for every patch a run takes, and upserts the `TemporalChangeVersion`
search attribute with it: seven patches on a payment's path cost up to seven markers and seven
upserts (visibility writes) in every new run. A run begun on this code records one generation
marker at its start and takes every patch that generation covers without a marker of its own;
a run begun before replays the markers it recorded. A run begun on a versioned worker (Worker
Versioning, pinned) records none: it only ever meets the code it began on.

Adding a patch: give it an id below, check it with `patched(...)`, and put a new generation
first in GENERATIONS covering every patch so far. Never change a released generation: the
runs that recorded it replay by what it covered.

Passed through the workflow sandbox, like workflows/steps.py.
"""

from __future__ import annotations

from temporalio import workflow

SHORT_RUNS = "short-runs"
CANCEL_REFUNDS = "cancel-refunds-captured"
VOID_ON_CANCEL = "void-when-canceled-while-authorizing"
ACCOUNT_ATTRIBUTE = "account-search-attribute"
CHANGED_ATTRIBUTES = "changed-search-attributes"
LOCAL_STEPS = "local-gateway-steps"
RESOLVE = "resolve-unclear-outcomes"
# A later run can void an authorized payment and picks up an outcome_unknown operation.
LATER_RUNS_CARRY = "later-runs-carry-facts"
# A manual payment's wait for capture ends when the processor says it releases the hold.
PROCESSOR_EXPIRY = "processor-hold-expiry"

# Newest first: a generation's marker and the patches it stands for.
GENERATIONS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "all-patches-2026-12",
        frozenset(
            {
                SHORT_RUNS,
                CANCEL_REFUNDS,
                VOID_ON_CANCEL,
                ACCOUNT_ATTRIBUTE,
                CHANGED_ATTRIBUTES,
                LOCAL_STEPS,
                RESOLVE,
                LATER_RUNS_CARRY,
                PROCESSOR_EXPIRY,
            }
        ),
    ),
    (
        "all-patches-2026-11",
        frozenset(
            {
                SHORT_RUNS,
                CANCEL_REFUNDS,
                VOID_ON_CANCEL,
                ACCOUNT_ATTRIBUTE,
                CHANGED_ATTRIBUTES,
                LOCAL_STEPS,
                RESOLVE,
            }
        ),
    ),
)

# The workflow instance's attribute holding the patches its run's generation covers.
_TAKEN = "_patches_taken"


def take_generation_at_start() -> None:
    """Called once, first thing in a run. A run begun on a versioned worker is pinned to its
    build (worker.py): no other code ever runs it, so it takes every patch without a marker.
    Otherwise a new run records the newest generation's marker; a replayed run finds the
    generation it recorded, or none (it recorded patches one by one).

    The worker's version is recorded with each workflow task, so a replay sees the version
    the run's first task had: deterministic.
    """
    version = workflow.info().get_current_deployment_version()
    # An unversioned worker has a build id of its own too, but no deployment.
    if version is not None and version.deployment_name:
        setattr(workflow.instance(), _TAKEN, GENERATIONS[0][1])
        return
    taken: frozenset[str] = frozenset()
    for marker, covered in GENERATIONS:
        if workflow.patched(marker):
            taken = covered
            break
    setattr(workflow.instance(), _TAKEN, taken)


def patched(patch_id: str) -> bool:
    """`workflow.patched(patch_id)`, without a marker of its own when the run's generation
    covers it."""
    taken: frozenset[str] = getattr(workflow.instance(), _TAKEN, frozenset())
    return patch_id in taken or workflow.patched(patch_id)
