"""`payment-saga workflows`: the replay gate before a deploy (`replay-check`, payment_saga/ops/
replay.py; exits non-zero when a run would replay differently on this code), and the workers'
versions (`versions`, `set-current BUILD_ID`: payment_saga/ops/deployments.py)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal, temporal_runtime
from payment_saga.ops.deployments import (
    DEFAULT_WAIT,
    DeploymentView,
    describe_deployment,
    make_current,
)
from payment_saga.ops.replay import DEFAULT_CLOSED_WITHIN, DEFAULT_LIMIT, ReplayReport, replay_check


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("workflows", help="the payment workflows on the cluster")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "replay-check",
        help="replay open and recently closed runs with this code; non-zero on any difference",
    )
    check.add_argument(
        "--closed-within-hours",
        type=float,
        default=DEFAULT_CLOSED_WITHIN.total_seconds() / 3600,
        help="also replay runs closed this recently (default: %(default)s)",
    )
    check.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many runs")
    actions.add_parser("versions", help="the workers' builds: which is current, which drain")
    current = actions.add_parser(
        "set-current", help="new payments begin on this build (a rollout, or a rollback)"
    )
    current.add_argument("build_id")
    current.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT.total_seconds(),
        help="seconds to wait for the build's workers to poll (default: %(default)s)",
    )


async def run(args: argparse.Namespace) -> tuple[str, int]:
    """The command's output and its exit code."""
    settings = Settings()
    # One runtime for the client and the replayer: the SDK core's warnings about the runs that
    # fail go through Python logging (stderr), never into the --json report on stdout.
    runtime = temporal_runtime()
    client = await connect_temporal(settings, runtime)
    deployment = settings.worker.deployment_name
    if args.action == "set-current":
        await make_current(client, deployment, args.build_id, timedelta(seconds=args.wait))
    if args.action in ("versions", "set-current"):
        return render_versions(await describe_deployment(client, deployment), args.json), 0
    window = timedelta(hours=args.closed_within_hours)
    report = await replay_check(client, window, args.limit, runtime=runtime)
    return render(report, args.json), 1 if report.failures else 0


def render_versions(view: DeploymentView, as_json: bool) -> str:
    if as_json:
        return json.dumps(asdict(view), indent=2, default=str)
    lines = [f"{view.deployment_name}: current build {view.current_build_id or '-'}"]
    lines += [f"{v.build_id}  {v.status}  created {v.created_at or '-'}" for v in view.versions]
    return "\n".join(lines)


def render(report: ReplayReport, as_json: bool) -> str:
    if as_json:
        failures = [asdict(failure) for failure in report.failures]
        return json.dumps({"replayed": report.replayed, "failures": failures}, indent=2)
    lines = [f"replayed {report.replayed} runs, {len(report.failures)} would differ"]
    lines += [f"{f.workflow_id} (run {f.run_id}): {f.message}" for f in report.failures]
    return "\n".join(lines)
