"""`payment-saga apikeys create|list|revoke`."""

from __future__ import annotations

import argparse
from typing import Any

from db.apikeys import SCOPES, create_key, list_keys, revoke
from db.session import create_engine, create_session_factory
from settings import Settings


def add_parser(groups: Any) -> None:
    keys = groups.add_parser("apikeys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; its secret is shown once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", nargs="+", default=list(SCOPES), choices=SCOPES)
    actions.add_parser("list", help="list keys (never their secrets)")
    revoke_parser = actions.add_parser("revoke", help="revoke a key by id")
    revoke_parser.add_argument("id")


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    engine = create_engine(Settings().database)
    sessions = create_session_factory(engine)
    try:
        async with sessions.begin() as session:
            if args.action == "create":
                row, secret = await create_key(session, args.name, tuple(args.scopes))
                scopes = ",".join(row.scopes)
                return [{"id": row.id, "name": row.name, "scopes": scopes, "key": secret}]
            if args.action == "revoke":
                if not await revoke(session, args.id):
                    raise SystemExit(f"no API key {args.id}")
                return [{"id": args.id, "revoked": True}]
            return [
                {
                    "id": k.id,
                    "name": k.name,
                    "prefix": k.prefix,
                    "scopes": ",".join(k.scopes),
                    "created_at": k.created_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else "",
                }
                for k in await list_keys(session)
            ]
    finally:
        await engine.dispose()
