"""`payment-saga load`: a demo load of mixed payments through the API, then the audit."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import httpx

from db.session import create_engine, create_session_factory
from settings import Settings


def add_parser(groups: Any) -> None:
    parser = groups.add_parser("load", help="send mixed payments through the API, then audit")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--api-key", help="default: the dev key in the stack's data directory")


async def run(args: argparse.Namespace) -> int:
    try:  # the load generator (and its test cards) is not in the production image
        from bench.load import audited, send_burst
    except ImportError:
        raise SystemExit("`payment-saga load` needs the development image") from None
    settings = Settings()
    api_key = args.api_key or (Path(settings.stack.data_dir) / "dev-api-key").read_text().strip()
    engine = create_engine(settings.database)
    headers = {"Authorization": f"Bearer {api_key}"}
    try:
        async with httpx.AsyncClient(
            base_url=settings.api.base_url(), headers=headers, timeout=60
        ) as api:
            burst = await send_burst(api, args.count, args.concurrency)
        report = await audited(create_session_factory(engine), settings, burst, faults=0)
    finally:
        await engine.dispose()
    for violation in report.violations:
        print(violation)
    return 1 if report.violations else 0
