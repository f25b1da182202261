"""The chaos suite on the real processors' test servers, with their unkind switches on.

Each processor gets an API and a worker of its own (its own task queue), sharing the session's
Temporal, Postgres and Kafka. Along a burst its test server keeps losing answers, failing after
applying, lagging its searches, expiring holds early (and for Authorize.Net settling into
batches and forgetting duplicates fast), while the worker is SIGKILLed mid-step. Then the audit
reads the processor's own ledger against our records: nothing doubled, no hold left open,
nothing stuck (docs/processors.md, "Processors as unkind as they are documented"). Last, the
processor settles the day and reconciliation matches its report to our books with nothing left
over: every reference the faults could have lost reached us (#32).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from devtools.bench.load import FIGURES, BurstCard, audited, send_burst
from devtools.stack.ports import free_port
from devtools.stack.stack import Stack, StackOptions
from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.reconciliation import Discrepancy, SettledOperation
from payment_saga.db.session import SessionFactory
from payment_saga.ops.cli.reconciliation import reconcile
from tests.chaos.faults import sigkill_repeatedly, steps_in_flight

pytestmark = pytest.mark.chaos
BURST = 120
WORKER_KILLS = 3
# Seconds between re-arming the one-shot faults (the next answer lost, the next one failed).
REARM_SECONDS = 2.0
ONE_SHOT_ROUNDS = 10
# Holds the processor expires by itself this soon: a manual payment slowed by the faults may
# meet its processor's expiry before its capture.
HOLD_SECONDS = 10
# Switches that stay on for the whole run, audit included.
STEADY: dict[str, dict[str, Any]] = {
    "stripe": {"search_lag_seconds": 3.0, "hold_seconds": HOLD_SECONDS},
    "authorizenet": {
        "hold_seconds": HOLD_SECONDS, "settle_after_seconds": 5, "duplicate_window_seconds": 5,
    },
}  # fmt: skip
ONE_SHOT = {"lose_next": 1, "lost_seconds": 3.0, "fail_after_applying": 1}
# Mostly approved, then the declines each test server follows (docs/processors.md).
APPROVED = {
    "stripe": ("4242424242424242", "5555555555554444", "4000056655665556"),
    "authorizenet": ("4111111111111111", "5424000000000015", "6011000000000012"),
}
DECLINING = {
    "stripe": [BurstCard(n) for n in ("4000000000000002", "4000000000009995", "4000000000000127")],
    # The sandbox's trigger card answers with the reason code of its dollar amount.
    "authorizenet": [BurstCard("4222222222222", amount) for amount in (200, 2700, 4400)],
}


def cards_of(kind: str) -> list[BurstCard]:
    return [*[BurstCard(n) for n in APPROVED[kind]] * 4, *DECLINING[kind]]


def processor_settings(base: Settings, kind: str, data_dir: Path) -> Settings:
    """An API and worker on `kind`, joining the running Temporal, Postgres and Kafka."""
    settings = base.model_copy(deep=True)
    settings.gateway.kind = kind
    settings.gateway.timeout_seconds = 2.0  # shorter than a lost answer's 3 s
    settings.temporal.address = base.temporal.target()
    settings.temporal.ui_url = base.temporal.web_url()
    settings.temporal.task_queue = f"chaos-{kind}"
    settings.database.url = SecretStr(base.database.sqlalchemy_url())
    settings.kafka.bootstrap_servers = base.kafka.bootstrap()
    settings.api.port = free_port()
    settings.worker.metrics_port, settings.worker.sdk_metrics_port = free_port(), free_port()
    settings.stripe.port, settings.stripe.mock_port = free_port(), free_port()
    settings.authorizenet.port = free_port()
    settings.stripe.api_base = settings.authorizenet.api_base = None
    settings.stack.data_dir = data_dir
    return settings


@pytest.fixture(params=["stripe", "authorizenet"])
async def processor_stack(
    request: pytest.FixtureRequest, stack: Stack, tmp_path: Path
) -> AsyncIterator[Stack]:
    settings = processor_settings(stack.settings, request.param, tmp_path)
    running = Stack(settings, StackOptions(processes=("worker", "api")))
    await running.start()  # stops what it started if a part fails
    try:
        yield running
    finally:
        running.stop()


def server_url_of(settings: Settings) -> str:
    base = settings.stripe.api_base if settings.gateway.kind == "stripe" else None
    found = base or settings.authorizenet.api_base
    assert found is not None
    return found


async def keep_unkind(server: httpx.AsyncClient, kind: str) -> int:
    """Re-arm the one-shot faults for the burst's busy first part (while many payments are in
    flight the shots spread over them; a last payment alone would get every one); returns how
    often."""
    for _ in range(ONE_SHOT_ROUNDS):
        (await server.put("/_fake/faults", json=STEADY[kind] | ONE_SHOT)).raise_for_status()
        await asyncio.sleep(REARM_SECONDS)
    return ONE_SHOT_ROUNDS


async def test_a_processor_under_faults_keeps_its_books_with_ours(
    processor_stack: Stack, sessions: SessionFactory
) -> None:
    settings = processor_stack.settings
    kind = settings.gateway.kind
    headers = {"Authorization": f"Bearer {processor_stack.dev_api_key}"}
    async with (
        httpx.AsyncClient(base_url=settings.api.base_url(), headers=headers, timeout=60) as api,
        httpx.AsyncClient(base_url=server_url_of(settings), timeout=10) as server,
    ):
        (await server.put("/_fake/faults", json=STEADY[kind])).raise_for_status()
        sending = asyncio.create_task(send_burst(api, BURST, cards=cards_of(kind)))
        armed, (kills, mid_step) = await asyncio.gather(
            keep_unkind(server, kind),
            sigkill_repeatedly(
                processor_stack, "worker", WORKER_KILLS, lambda: steps_in_flight(settings)
            ),
        )
        burst = await sending
        (await server.put("/_fake/faults", json=STEADY[kind])).raise_for_status()
        report = await audited(sessions, settings, burst, armed + kills, burst_only=True)
        FIGURES.append(f"{kind}: one-shot faults armed {armed} times, worker SIGKILLs {kills}")
        assert report.violations == [], "\n".join(report.violations)
        assert len(burst.payment_ids) == report.ledger_checked == BURST
        assert mid_step >= 1  # the kills interrupted real work
        await settled_as_our_books_say(server, settings, sessions, burst.payment_ids)


async def settled_as_our_books_say(
    server: httpx.AsyncClient, settings: Settings, sessions: SessionFactory, burst: list[str]
) -> None:
    """#32: the processor settles the day, shaped as it reports it; reconciled, every item is
    one of the burst's captures and refunds at its amount (no unknown item: every reference
    reached our books through the lost answers and the failures), and nothing is missing."""
    kind = settings.gateway.kind
    (
        await server.post("/_fake/payouts" if kind == "stripe" else "/_fake/settle")
    ).raise_for_status()
    temporal = await connect_temporal(settings)
    result = await reconcile(temporal, settings, kind, datetime.now(UTC).date())
    async with sessions() as session:
        found = list(
            await session.scalars(select(Discrepancy).where(Discrepancy.processor == kind))
        )
        mine = SettledOperation.payment_id.in_(burst)
        settled = await session.scalar(select(func.count()).where(mine))
    FIGURES.append(f"{kind}: settlement reconciled, {result.items} items, {settled} of the burst's")
    assert [(d.kind, d.detail) for d in found] == []
    assert result.report_ready and settled
