"""`payment-saga`: the operator CLI. Tables for people, `--json` for scripts."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from payment_saga.domain.errors import PaymentSagaError
from payment_saga.ops.cli import (
    apikeys,
    audit,
    events,
    payments,
    reconciliation,
    webhooks,
    workflows,
)
from payment_saga.ops.cli.output import render


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="payment-saga", description=__doc__)
    root.add_argument("--json", action="store_true", help="machine-readable output")
    groups = root.add_subparsers(dest="group", required=True)
    apikeys.add_parser(groups)
    events.add_parser(groups)
    payments.add_parser(groups)
    audit.add_parser(groups)
    webhooks.add_parser(groups)
    workflows.add_parser(groups)
    reconciliation.add_parser(groups)
    return root


def main(argv: list[str] | None = None) -> None:
    """Run one command, then leave without interpreter finalization: the Temporal client's
    runtime threads are not joined at exit and, rarely, abort a short-lived process while it
    finalizes (temporalio/sdk-python#300; seen once as a SIGABRT after `payments show`)."""
    code: int = 0
    try:
        run_command(argv)
    except SystemExit as leaving:
        if isinstance(leaving.code, str):
            print(leaving.code, file=sys.stderr)
            code = 1
        else:
            code = leaving.code or 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def print_rows(rows: list[dict[str, Any]], as_json: bool, created: bool) -> None:
    if as_json and created:  # one object: what was created
        print(json.dumps(rows[0], indent=2, default=str))
    else:
        print(render(rows, as_json))


def run_command(argv: list[str] | None) -> None:
    words = list(sys.argv[1:] if argv is None else argv)
    # `--json` is accepted anywhere on the command line, not only before the command.
    as_json = "--json" in words
    args = parser().parse_args([word for word in words if word != "--json"])
    args.json = args.json or as_json
    try:
        if args.group in ("apikeys", "accounts"):
            print_rows(asyncio.run(apikeys.run(args)), args.json, created=args.action == "create")
        elif args.group == "payments":
            # `show` is nested: indented JSON reads better than a table.
            print(render(asyncio.run(payments.run(args)), args.json or args.action == "show"))
        elif args.group == "audit":
            report = asyncio.run(audit.run(args))
            print(audit.render(report, args.json))
            if report.violations:
                raise SystemExit(1)
        elif args.group == "reconciliation":
            print_rows(asyncio.run(reconciliation.run(args)), args.json, created=False)
        elif args.group == "webhooks":
            print_rows(asyncio.run(webhooks.run(args)), args.json, created=args.action == "add")
        elif args.group == "workflows":
            output, code = asyncio.run(workflows.run(args))
            print(output)
            if code:
                raise SystemExit(code)
        elif args.group == "events" and args.action == "replay":
            count = asyncio.run(events.replay_events(args))
            print(json.dumps({"replayed": count}) if args.json else f"replayed {count} events")
        elif args.group == "events":
            asyncio.run(events.tail(args))
    except KeyboardInterrupt:
        pass
    except PaymentSagaError as error:  # a refused request: its code and why, no traceback
        raise SystemExit(f"{error.code}: {error.message}") from None


if __name__ == "__main__":
    main()
