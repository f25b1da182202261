"""`python -m devtools.bench.demo_load`: a demo load of mixed payments through a running stack's
API (`make run`), then the audit."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import httpx

from devtools.bench.load import audited, send_burst
from payment_saga.config import Settings
from payment_saga.db.session import create_engine, create_session_factory


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--api-key", help="default: the dev key in the stack's data directory")
    return parser


async def run(args: argparse.Namespace) -> int:
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


def main() -> None:
    raise SystemExit(asyncio.run(run(parser().parse_args())))


if __name__ == "__main__":
    main()
