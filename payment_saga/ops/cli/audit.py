"""`payment-saga audit`: every invariant over every payment; exits non-zero on any violation."""

from __future__ import annotations

import argparse
import json
from typing import Any

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.ops.audit.run import AuditReport, audit


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("audit", help="check every payment against Postgres, gateway, Kafka")
    parser.add_argument("--skip-kafka", action="store_true", help="do not read the topic")
    parser.add_argument(
        "--skip-workflows", action="store_true", help="do not compare workflows with rows"
    )


async def run(args: argparse.Namespace) -> AuditReport:
    settings = Settings()
    engine = create_engine(settings.database)
    try:
        temporal = None if args.skip_workflows else await connect_temporal(settings)
        sessions = create_session_factory(engine)
        return await audit(sessions, settings, with_kafka=not args.skip_kafka, temporal=temporal)
    finally:
        await engine.dispose()


def render(report: AuditReport, as_json: bool) -> str:
    if as_json:
        body = {"payments": report.payments, "by_status": report.by_status}
        return json.dumps({**body, "violations": report.violations}, indent=2)
    return "\n".join([report.summary(), *report.violations])
