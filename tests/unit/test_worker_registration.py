"""The worker registers every activity the classes declare, and nothing else; a versioned
worker pins the runs it begins."""

from __future__ import annotations

import importlib.util

import pytest
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion

from activities.payments import PaymentActivities
from payment_saga.config import WorkerSettings
from worker import activity_instances, declared_activities, deployment_config
from workflows.sandbox import PASSTHROUGH_MODULES


def test_every_declared_activity_is_registered() -> None:
    payments = PaymentActivities(None, None, temporal_ui_url="", namespace="")  # type: ignore[arg-type]
    names = {fn.__name__ for fn in declared_activities(*activity_instances(payments))}
    assert names == {
        "authorize", "capture", "void", "refund", "fail_refund", "resolve", "mark_unknown",
        "load_payment", "refuse_cancel", "apply_notice", "check_action",
        "read_settlement_page", "record_settlements", "find_missing", "escalate_overdue",
    }  # fmt: skip


def test_the_sandbox_passes_through_modules_that_exist() -> None:
    """A name here that no longer exists passes nothing through, silently: `domain` did, after
    the move to payment_saga/domain/ (#28)."""
    for name in PASSTHROUGH_MODULES:
        assert importlib.util.find_spec(name) is not None, name


def test_an_unversioned_worker_has_no_deployment() -> None:
    assert deployment_config(WorkerSettings()) is None


def test_a_versioned_worker_pins_the_runs_it_begins() -> None:
    config = deployment_config(WorkerSettings(versioning=True, build_id="3f2a9c1"))
    assert config is not None and config.use_worker_versioning
    assert config.version == WorkerDeploymentVersion("payment-saga", "3f2a9c1")
    assert config.default_versioning_behavior is VersioningBehavior.PINNED


def test_a_versioned_worker_refuses_to_start_without_its_build() -> None:
    with pytest.raises(SystemExit, match="WORKER_BUILD_ID"):
        deployment_config(WorkerSettings(versioning=True))
