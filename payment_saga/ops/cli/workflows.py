"""`payment-saga workflows replay-check`: the replay gate before a deploy (payment_saga/ops/
replay.py); exits non-zero when a run would replay differently on this code."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal, temporal_runtime
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


async def run(args: argparse.Namespace) -> ReplayReport:
    # One runtime for the client and the replayer: the SDK core's warnings about the runs that
    # fail go through Python logging (stderr), never into the --json report on stdout.
    runtime = temporal_runtime()
    client = await connect_temporal(Settings(), runtime)
    window = timedelta(hours=args.closed_within_hours)
    return await replay_check(client, window, args.limit, runtime=runtime)


def render(report: ReplayReport, as_json: bool) -> str:
    if as_json:
        failures = [asdict(failure) for failure in report.failures]
        return json.dumps({"replayed": report.replayed, "failures": failures}, indent=2)
    lines = [f"replayed {report.replayed} runs, {len(report.failures)} would differ"]
    lines += [f"{f.workflow_id} (run {f.run_id}): {f.message}" for f in report.failures]
    return "\n".join(lines)
