"""`payment-saga webhooks add|list|disable|deliveries|redeliver`: an account's signed webhooks."""

from __future__ import annotations

import argparse
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from payment_saga.config import Settings
from payment_saga.connections import codec_keys
from payment_saga.db.apikeys import DEFAULT_ACCOUNT_ID
from payment_saga.db.models import Account, WebhookDelivery, WebhookEndpoint
from payment_saga.db.session import create_engine, create_session_factory
from payment_saga.events.webhooks.dispatcher import redeliver
from payment_saga.events.webhooks.secrets import new_secret, seal

STATUSES = ("pending", "delivered", "failed")


def add_parser(groups: Any) -> None:
    hooks = groups.add_parser("webhooks", help="an account's signed webhooks and deliveries")
    actions = hooks.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new endpoint; its signing secret is shown once")
    add.add_argument("--account", default=DEFAULT_ACCOUNT_ID)
    add.add_argument("--url", required=True, help="https://... that takes POSTed events")
    listing = actions.add_parser("list", help="endpoints (never their secrets)")
    listing.add_argument("--account")
    disable = actions.add_parser("disable", help="stop sending to an endpoint")
    disable.add_argument("id")
    deliveries = actions.add_parser("deliveries", help="deliveries, newest first")
    deliveries.add_argument("--endpoint")
    deliveries.add_argument("--status", choices=STATUSES)
    deliveries.add_argument("--payment")
    deliveries.add_argument("--limit", type=int, default=50)
    again = actions.add_parser("redeliver", help="send again now")
    again.add_argument("ids", nargs="*", type=int, help="delivery ids")
    again.add_argument("--failed", action="store_true", help="every failed delivery")


def endpoint_row(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    row = {
        "id": endpoint.id,
        "account": endpoint.account_id,
        "url": endpoint.url,
        "created_at": endpoint.created_at.isoformat() if endpoint.created_at else "",
        "disabled_at": endpoint.disabled_at.isoformat() if endpoint.disabled_at else "",
    }
    if secret is not None:
        row["secret"] = secret  # shown once, at creation
    return row


def delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id, "endpoint": delivery.endpoint_id, "event_id": delivery.event_id,
        "payment": delivery.payment_id, "type": delivery.event_type, "status": delivery.status,
        "attempts": delivery.attempts, "next_attempt_at": delivery.next_attempt_at.isoformat(),
        "last_error": delivery.last_error or "",
    }  # fmt: skip


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    settings = Settings()
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    try:
        if args.action == "redeliver":
            count = await redeliver(sessions, None if args.failed else list(args.ids))
            return [{"redelivered": count}]
        async with sessions.begin() as session:
            if args.action == "add":
                if await session.get(Account, args.account) is None:
                    raise SystemExit(f"no account {args.account}")
                secret = new_secret()
                endpoint = WebhookEndpoint(
                    id="we_" + secrets.token_hex(12), account_id=args.account, url=args.url,
                    sealed_secret=seal(secret, codec_keys(settings)),
                    created_at=datetime.now(UTC),
                )  # fmt: skip
                session.add(endpoint)
                return [endpoint_row(endpoint, secret)]
            if args.action == "disable":
                found = await session.get(WebhookEndpoint, args.id)
                if found is None:
                    raise SystemExit(f"no endpoint {args.id}")
                found.disabled_at = datetime.now(UTC)
                return [endpoint_row(found)]
            if args.action == "list":
                query = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)
                if args.account:
                    query = query.where(WebhookEndpoint.account_id == args.account)
                return [endpoint_row(e) for e in (await session.execute(query)).scalars()]
            return [delivery_row(d) for d in (await session.execute(_deliveries(args))).scalars()]
    finally:
        await engine.dispose()


def _deliveries(args: argparse.Namespace) -> Any:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(args.limit)
    if args.endpoint:
        query = query.where(WebhookDelivery.endpoint_id == args.endpoint)
    if args.status:
        query = query.where(WebhookDelivery.status == args.status)
    if args.payment:
        query = query.where(WebhookDelivery.payment_id == args.payment)
    return query
