"""`payment-saga audit`: every invariant over every payment; exits non-zero on any violation."""

from __future__ import annotations

import argparse
import json
from typing import Any

from audit.run import AuditReport, audit
from db.session import create_engine, create_session_factory
from settings import Settings


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("audit", help="check every payment against Postgres, gateway, Kafka")
    parser.add_argument("--skip-kafka", action="store_true", help="do not read the topic")


async def run(args: argparse.Namespace) -> AuditReport:
    settings = Settings()
    engine = create_engine(settings.database)
    try:
        return await audit(create_session_factory(engine), settings, with_kafka=not args.skip_kafka)
    finally:
        await engine.dispose()


def render(report: AuditReport, as_json: bool) -> str:
    if as_json:
        body = {"payments": report.payments, "by_status": report.by_status}
        return json.dumps({**body, "violations": report.violations}, indent=2)
    return "\n".join([report.summary(), *report.violations])
