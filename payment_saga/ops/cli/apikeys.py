"""`payment-saga accounts create|list|set-rate-limit` and `apikeys create|list|revoke`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from payment_saga.config import Settings
from payment_saga.db.apikeys import (
    DEFAULT_ACCOUNT_ID,
    SCOPES,
    create_account,
    create_key,
    list_accounts,
    list_keys,
    revoke,
    set_rate_limit,
)
from payment_saga.db.models import Account, ApiKey
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.ops.cli.payments import duration


def add_parser(groups: Any) -> None:
    accounts = groups.add_parser("accounts", help="create and list accounts, set their limits")
    account_actions = accounts.add_subparsers(dest="action", required=True)
    create_account_parser = account_actions.add_parser("create", help="a new account")
    create_account_parser.add_argument("--name", required=True)
    account_actions.add_parser("list", help="every account")
    limit = account_actions.add_parser("set-rate-limit", help="the account's own rate limit")
    limit.add_argument("id")
    limit.add_argument("--per-minute", type=int, help="omit for the API's default")
    limit.add_argument("--burst", type=int, help="omit for the API's default")

    keys = groups.add_parser("apikeys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; its secret is shown once")
    create.add_argument("--account", default=DEFAULT_ACCOUNT_ID, help="the account it acts for")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", nargs="+", default=list(SCOPES), choices=SCOPES)
    create.add_argument("--expires-in", type=duration, help="e.g. 90d: the key stops working then")
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--account", help="only this account's keys")
    revoke_parser = actions.add_parser("revoke", help="revoke a key by id")
    revoke_parser.add_argument("id")


def account_row(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "rate_limit_per_minute": account.rate_limit_per_minute or "",
        "rate_limit_burst": account.rate_limit_burst or "",
        "created_at": account.created_at.isoformat(),
    }


def key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "account": key.account_id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": ",".join(key.scopes),
        "created_at": key.created_at.isoformat(),
        "expires_at": key.expires_at.isoformat() if key.expires_at else "",
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else "",
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else "",
    }


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    engine = create_engine(Settings().database)
    try:
        async with create_session_factory(engine).begin() as session:
            if args.group == "accounts":
                if args.action == "create":
                    return [account_row(await create_account(session, args.name))]
                if args.action == "set-rate-limit":
                    if not await set_rate_limit(session, args.id, args.per_minute, args.burst):
                        raise SystemExit(f"no account {args.id}")
                    return [{"id": args.id, "per_minute": args.per_minute, "burst": args.burst}]
                return [account_row(a) for a in await list_accounts(session)]
            if args.action == "create":
                expires = datetime.now(UTC) + args.expires_in if args.expires_in else None
                try:
                    row, secret = await create_key(
                        session, args.account, args.name, tuple(args.scopes), expires
                    )
                except ValueError as error:
                    raise SystemExit(str(error)) from None
                return [{**key_row(row), "key": secret}]
            if args.action == "revoke":
                if not await revoke(session, args.id):
                    raise SystemExit(f"no API key {args.id}")
                return [{"id": args.id, "revoked": True}]
            return [key_row(k) for k in await list_keys(session, args.account)]
    finally:
        await engine.dispose()
