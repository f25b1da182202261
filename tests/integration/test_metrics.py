"""The worker's metrics move when payments happen; the SDK's own metrics are served too."""

from __future__ import annotations

import contextlib

import httpx
from prometheus_client.parser import text_string_to_metric_families

from payment_saga.config import Settings
from tests.integration.conftest import Payments


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient() as http:
        text = (await http.get(url)).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def worker_url(settings: Settings) -> str:
    return f"http://{settings.worker.metrics_host}:{settings.worker.metrics_port}/metrics"


async def test_worker_counters_move(settings: Settings, payments: Payments) -> None:
    authorize_ok = (
        "gateway_requests_total",
        (("operation", "authorize"), ("outcome", "succeeded")),
    )
    captured = ("payments_reached_total", (("status", "captured"),))
    declined = ("gateway_requests_total", (("operation", "authorize"), ("outcome", "declined")))
    compensated = ("compensations_total", (("reason", "failure"),))
    before = await scrape(worker_url(settings))

    await (await payments.start("4242424242424242", refund_window_seconds=1)).result()
    failing = await payments.start("4000000000000002")
    with contextlib.suppress(Exception):
        await failing.result()
    after = await scrape(worker_url(settings))

    for series in (authorize_ok, captured, declined, compensated):
        assert after.get(series, 0) >= before.get(series, 0) + 1, series
    latency = ("gateway_request_duration_seconds_count", (("operation", "capture"),))
    assert after[latency] >= 1


async def test_sdk_metrics_are_served(settings: Settings) -> None:
    url = f"http://{settings.worker.metrics_host}:{settings.worker.sdk_metrics_port}/metrics"
    async with httpx.AsyncClient() as http:
        text = (await http.get(url)).text
    assert "temporal_" in text
