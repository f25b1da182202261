"""`payment-saga events tail`: the payments topic, one readable line per event."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from payment_saga.config import Settings
from payment_saga.connections import kafka_options
from payment_saga.db.session import create_engine
from payment_saga.domain.money import format_amount
from payment_saga.events.encoding import content_type_of, decode
from payment_saga.events.replay import replay


def add_parser(groups: Any) -> None:
    events = groups.add_parser("events", help="read the payment events on Kafka")
    actions = events.add_subparsers(dest="action", required=True)
    tail = actions.add_parser("tail", help="follow the topic")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest event")
    tail.add_argument("--payment", help="only this payment id")
    tail.add_argument("--type", dest="event_type", help="only this type, e.g. payment.failed")
    tail.add_argument("--max", type=int, help="stop after this many events")
    tail.add_argument("--idle-seconds", type=float, help="stop when nothing arrives for this long")
    replay = actions.add_parser(
        "replay", help="publish kept events again, same ids (consumers dedupe by id)"
    )
    chosen = replay.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--payment", help="every kept event of this payment id")
    chosen.add_argument(
        "--since",
        type=datetime.fromisoformat,
        help="every kept event since, e.g. 2026-11-26T10:00Z",
    )


def describe(event: dict[str, Any]) -> str:
    payment = event["data"]["payment"]
    amount = format_amount(payment["amount"], payment["currency"])
    line = (
        f"{event['time'][:23]}  {event['subject']}  #{event['sequence']:<3} "
        f"{event['type']:<22} {payment['status']:<18} {amount}"
    )
    if payment["amount_refunded"]:
        line += f"  refunded {format_amount(payment['amount_refunded'], payment['currency'])}"
    if payment.get("failure"):
        line += f"  [{payment['failure']['code']}]"
    return line


def wanted(event: dict[str, Any], args: argparse.Namespace) -> bool:
    if args.payment and event.get("subject") != args.payment:
        return False
    return not (args.event_type and event.get("type") != args.event_type)


async def tail(args: argparse.Namespace) -> None:
    settings = Settings()
    consumer = AIOKafkaConsumer(
        settings.kafka.topic,
        **kafka_options(settings.kafka),
        # No group: tailing never moves a real consumer's offsets.
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
    )
    await consumer.start()
    shown = 0
    try:
        while args.max is None or shown < args.max:
            timeout_ms = int(args.idle_seconds * 1000) if args.idle_seconds else 1000
            batch = await consumer.getmany(timeout_ms=timeout_ms)
            if not batch and args.idle_seconds:
                return
            for message in (m for messages in batch.values() for m in messages):
                event = decode(message.value, content_type_of(message.headers))
                if not wanted(event, args):
                    continue
                print(json.dumps(event) if args.json else describe(event), flush=True)
                shown += 1
                if args.max is not None and shown >= args.max:
                    return
    finally:
        await consumer.stop()


async def replay_events(args: argparse.Namespace) -> int:
    """Publish again; the number of events sent. Purged events (past the retention) are gone."""
    settings = Settings()
    since = args.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    engine = create_engine(settings.database)
    try:
        return await replay(engine, settings.kafka, payment_id=args.payment, since=since)
    finally:
        await engine.dispose()
