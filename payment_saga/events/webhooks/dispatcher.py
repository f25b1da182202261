"""Delivering webhooks: due deliveries are leased (row locks, so every worker can run one),
POSTed signed, and marked delivered on a 2xx or retried with backoff until they give up.

The request: the event's JSON CloudEvent as the body, `Content-Type: application/cloudevents+json`,
`Payment-Saga-Event-Id`, and `Payment-Saga-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the endpoint's secret>`: Stripe's scheme, checked the same way (a receiver
recomputes v1, compares in constant time, and refuses a t older than a few minutes).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import select, update

from payment_saga.config import WebhookSettings
from payment_saga.db.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from payment_saga.db.session import SessionFactory
from payment_saga.events.webhooks.secrets import unseal
from payment_saga.shutdown import sleep_unless_stopped

log = logging.getLogger("payment_saga.webhooks")
SIGNATURE_HEADER = "Payment-Saga-Signature"


def signature(secret: str, body: bytes, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


@dataclass(frozen=True)
class Due:
    """A leased delivery, with what it needs: where to, the secret, the event's body."""

    delivery_id: int
    url: str
    sealed_secret: str
    event_id: str
    body: bytes | None  # None: the event was purged from the outbox


class WebhookDispatcher:
    def __init__(
        self,
        sessions: SessionFactory,
        http: httpx.AsyncClient,
        settings: WebhookSettings,
        codec_keys: dict[str, bytes] | None,
    ) -> None:
        self._sessions, self._http, self._settings, self._keys = (
            sessions,
            http,
            settings,
            codec_keys,
        )

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.deliver_due()
            except Exception as error:  # the database away: try again after a pause
                log.warning("webhook dispatch failed: %r", error)
                sent = 0
            if not sent:
                await sleep_unless_stopped(stop, self._settings.poll_seconds)

    async def deliver_due(self) -> int:
        """Lease a batch of due deliveries and send them; how many were sent."""
        due = await self._lease()
        await asyncio.gather(*(self._send(item) for item in due))
        return len(due)

    async def _lease(self) -> list[Due]:
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.sealed_secret,
                           OutboxEvent.payload)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .outerjoin(OutboxEvent, OutboxEvent.event_id == WebhookDelivery.event_id)
                    .where(WebhookDelivery.status == "pending",
                           WebhookDelivery.next_attempt_at <= now,
                           WebhookEndpoint.disabled_at.is_(None))
                    .order_by(WebhookDelivery.next_attempt_at)
                    .limit(self._settings.batch_size)
                    .with_for_update(of=WebhookDelivery, skip_locked=True)
                )
            ).all()  # fmt: skip
            lease = now + timedelta(seconds=self._settings.lease_seconds)
            for delivery, *_ in rows:
                delivery.next_attempt_at = lease
        return [
            Due(delivery.id, url, sealed, delivery.event_id,
                None if payload is None else orjson.dumps(payload))
            for delivery, url, sealed, payload in rows
        ]  # fmt: skip

    async def _send(self, item: Due) -> None:
        if item.body is None:
            await self._settle(item.delivery_id, "event purged from the outbox", give_up=True)
            return
        at = int(time.time())
        headers = {
            "Content-Type": "application/cloudevents+json",
            "Payment-Saga-Event-Id": item.event_id,
            SIGNATURE_HEADER: signature(unseal(item.sealed_secret, self._keys), item.body, at),
        }
        try:
            response = await self._http.post(item.url, content=item.body, headers=headers)
        except httpx.HTTPError as error:
            await self._settle(item.delivery_id, f"{type(error).__name__}: {error}")
            return
        if response.is_success:
            await self._settle(item.delivery_id, None)
        else:
            await self._settle(item.delivery_id, f"HTTP {response.status_code}")

    async def _settle(self, delivery_id: int, error: str | None, *, give_up: bool = False) -> None:
        """Delivered (no error), or another attempt later, or failed for good."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
            if delivery is None or delivery.status != "pending":
                return
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
                return
            delivery.last_error = error[:1000]
            backoff = min(
                self._settings.retry_initial_seconds * 2 ** (delivery.attempts - 1),
                self._settings.retry_max_seconds,
            )
            delivery.next_attempt_at = now + timedelta(seconds=backoff)
            expired = now - delivery.created_at > timedelta(
                seconds=self._settings.give_up_after_seconds
            )
            if give_up or expired:
                delivery.status = "failed"
                log.warning("webhook delivery %s failed for good: %s", delivery_id, error)


async def redeliver(sessions: SessionFactory, delivery_ids: list[int] | None) -> int:
    """Send again now: the given deliveries, or (None) every failed one; how many."""
    statement = update(WebhookDelivery).values(
        status="pending", next_attempt_at=datetime.now(UTC), delivered_at=None
    )
    if delivery_ids is None:
        statement = statement.where(WebhookDelivery.status == "failed")
    else:
        statement = statement.where(WebhookDelivery.id.in_(delivery_ids))
    async with sessions.begin() as session:
        result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
