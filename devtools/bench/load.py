"""A burst of payments as order services send them, retrying like they would, then the audit.

Used by the chaos suite and by `payment-saga load` (a demo load against a running stack).

Each payment: a card from a mix (approved, declined, flaky, capture refused, refund refused,
lost response), automatic or manual capture, then a capture or cancel for manual ones and a
refund for some captured ones. Every call is retried with its idempotency key until it gets a
definitive answer, within bounded time.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from devtools.testservers.simulator.books import (
    APPROVED_CARDS,
    CAPTURE_REFUSED_CARD,
    DECLINES,
    FLAKY_CARD,
    LOST_RESPONSE_CARD,
    REFUND_REFUSED_CARD,
)
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.models import OutboxEvent, Payment
from payment_saga.db.session import SessionFactory
from payment_saga.ops.audit.run import AuditReport, audit


@dataclass(frozen=True)
class BurstCard:
    """A card of a burst's mix; `amount`: what it must be sent with (Authorize.Net's sandbox
    declines by amount), None: the burst's own amount."""

    number: str
    amount: int | None = None


# The simulator's: mostly approved, then one of each behaviour (docs/test-cards.md).
CARDS = [
    BurstCard(number)
    for number in (
        *APPROVED_CARDS[:3] * 4,
        *DECLINES,
        FLAKY_CARD,
        CAPTURE_REFUSED_CARD,
        REFUND_REFUSED_CARD,
        LOST_RESPONSE_CARD,
    )
]
# Each audited burst's figures, for the test session's summary.
FIGURES: list[str] = []
RETRYABLE = {409, 429, 500, 502, 503, 504}
CALL_DEADLINE_SECONDS = 120.0


@dataclass
class Burst:
    api: httpx.AsyncClient
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    payment_ids: list[str] = field(default_factory=list)
    retries: int = 0
    cards: Sequence[BurstCard] = tuple(CARDS)

    async def call(
        self, method: str, url: str, key: str | None, body: Any = None
    ) -> httpx.Response:
        """Retry with the same idempotency key until the answer is definitive."""
        headers = {"Prefer": "wait=30"} | ({"Idempotency-Key": key} if key else {})
        deadline = time.monotonic() + CALL_DEADLINE_SECONDS
        while True:
            try:
                response = await self.api.request(method, url, json=body, headers=headers)
                definitive = response.status_code not in RETRYABLE or (
                    response.status_code == 409
                    and response.json()["error"]["code"] != "idempotency_key_in_use"
                )
                if definitive:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {url} got no definitive answer")
            self.retries += 1
            await asyncio.sleep(0.5)

    async def one(self, index: int, rng: random.Random) -> None:
        card = self.cards[index % len(self.cards)]
        manual = rng.random() < 0.25
        amount = card.amount or 1000 + index
        body = {
            "order_id": f"chaos_{self.run}_{index}", "amount": amount, "currency": "USD",
            "capture_method": "manual" if manual else "automatic",
            "payment_method": {"type": "card", "card": {
                "number": card.number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}},
        }  # fmt: skip
        created = await self.call("POST", "/v1/payments", f"{self.run}-{index}", body)
        payment = created.json().get("error", {}).get("payment") or created.json()
        if "id" not in payment:
            raise AssertionError(f"create answered {created.status_code}: {created.text[:300]}")
        self.payment_ids.append(payment["id"])
        url = f"/v1/payments/{payment['id']}"
        if created.status_code == 202:
            waiting = ("pending",) if manual else ("pending", "authorized")
            payment = await self.follow(url, lambda p: p["status"] not in waiting)
        if payment["status"] == "authorized" and manual:
            if rng.random() < 0.7:
                steered = await self.call(
                    "POST", f"{url}/capture", f"{self.run}-{index}-c", {"amount": 900}
                )
            else:
                steered = await self.call("POST", f"{url}/cancel", f"{self.run}-{index}-x", {})
            if steered.status_code == 202:
                await self.follow(url, lambda p: p["status"] != "authorized")
        if payment["status"] in ("captured", "authorized") and rng.random() < 0.35:
            refund = await self.call(
                "POST", f"{url}/refunds", f"{self.run}-{index}-r", {"amount": 300}
            )
            if refund.status_code == 202:
                refund_url = f"/v1/refunds/{refund.json()['id']}"
                await self.follow(refund_url, lambda r: r["status"] != "pending")

    async def follow(self, url: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """After a 202 the work goes on: read the object until its outcome is known, as an
        order service would (or follow its events)."""
        deadline = time.monotonic() + CALL_DEADLINE_SECONDS
        while True:
            response = await self.api.get(url)
            if response.status_code == 200 and done(response.json()):
                found: dict[str, Any] = response.json()
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} never settled")
            await asyncio.sleep(0.5)


async def send_burst(
    api: httpx.AsyncClient,
    count: int,
    concurrency: int = 16,
    cards: Sequence[BurstCard] = tuple(CARDS),
) -> Burst:
    burst = Burst(api, cards=cards)
    rng = random.Random(count)
    indexes = iter(range(count))

    async def sender() -> None:
        for index in indexes:
            await burst.one(index, rng)

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return burst


async def settle(
    sessions: SessionFactory, payment_ids: list[str], within_seconds: float = 180
) -> None:
    """Wait until no payment of the burst is pending and the outbox is drained."""
    async with asyncio.timeout(within_seconds):
        while True:
            async with sessions() as session:
                pending = await session.scalar(
                    select(func.count())
                    .select_from(Payment)
                    .where(Payment.id.in_(payment_ids), Payment.status == "pending")
                )
                backlog = await session.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                )
            if pending == 0 and backlog == 0:
                return
            await asyncio.sleep(0.5)


async def audited(
    sessions: SessionFactory,
    settings: Settings,
    burst: Burst,
    faults: int,
    *,
    burst_only: bool = False,
) -> AuditReport:
    """The audit over every payment, or with `burst_only` over the burst's (a stack of its own
    whose processor knows no others)."""
    await settle(sessions, burst.payment_ids)
    await asyncio.sleep(1)  # the last events reach the topic
    # Each payment's workflow is compared with its row too (run status, search attributes).
    report = await audit(
        sessions,
        settings,
        temporal=await connect_temporal(settings),
        payment_ids=burst.payment_ids if burst_only else None,
    )
    figures = (
        f"payments={len(burst.payment_ids)} faults={faults} retries={burst.retries} "
        f"violations={len(report.violations)} | {report.summary()}"
    )
    FIGURES.append(figures)
    print(f"\n{figures}")
    return report
