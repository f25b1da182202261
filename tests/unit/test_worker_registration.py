"""The worker registers every activity the classes declare, and nothing else."""

from __future__ import annotations

import importlib.util

from activities.payments import PaymentActivities
from worker import activity_instances, declared_activities
from workflows.sandbox import PASSTHROUGH_MODULES


def test_every_declared_activity_is_registered() -> None:
    payments = PaymentActivities(None, None, temporal_ui_url="", namespace="")  # type: ignore[arg-type]
    names = {fn.__name__ for fn in declared_activities(*activity_instances(payments))}
    assert names == {
        "authorize", "capture", "void", "refund", "fail_refund", "resolve", "mark_unknown",
        "load_payment", "refuse_cancel", "apply_notice",
    }  # fmt: skip


def test_the_sandbox_passes_through_modules_that_exist() -> None:
    """A name here that no longer exists passes nothing through, silently: `domain` did, after
    the move to payment_saga/domain/ (#28)."""
    for name in PASSTHROUGH_MODULES:
        assert importlib.util.find_spec(name) is not None, name
