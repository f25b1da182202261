"""The real stack, started once per test session through the launcher's own code.

Free loopback ports and a temporary data directory, so a developer's running stack is left
alone. A service that cannot start fails the tests that need it, with its log tail.
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from devtools.bench.load import FIGURES
from devtools.stack import postgres
from devtools.stack.ports import isolated
from devtools.stack.stack import Stack
from payment_saga.config import Settings
from payment_saga.connections import gateway_http_client
from payment_saga.db.session import SessionFactory, create_engine, create_session_factory
from tests.keys import ANET_SIGNATURE_KEY, STRIPE_WEBHOOK_SECRET, TEST_CODEC_KEYS


def pytest_configure(config: pytest.Config) -> None:
    """A SIGTERM (a CI timeout, a killed run) unwinds like Ctrl-C, so the stack's teardown stops
    every child process instead of leaving servers behind."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The chaos figures, printed whether or not output is captured."""
    if FIGURES:
        terminalreporter.section("chaos figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def stack_settings(data_dir: Path) -> Settings:
    settings = isolated(Settings(_env_file=None))
    settings.stack.data_dir = data_dir
    settings.codec.keys = SecretStr(TEST_CODEC_KEYS)
    # Every test shares the dev key; rate limits are tested on an app of their own.
    settings.api.rate_limit_per_minute = 1_000_000
    settings.api.rate_limit_burst = 1_000_000
    settings.api.auth_failures_per_minute = 1_000_000
    # Runs close 3 s after their last work: the suite's later requests mostly land on later
    # runs started from the row, the path a real refund weeks after its capture takes.
    settings.payments.idle_close_seconds = 3
    # A customer who never finishes is let go within the test that waits for it.
    settings.payments.action_timeout_seconds = 30
    # PayPal payments beside the simulator's cards, through the PayPal test server.
    settings.gateway.paypal = True
    # Webhook retries within seconds, so a receiver that comes back is seen coming back.
    settings.webhooks.retry_initial_seconds = 0.5
    settings.webhooks.retry_max_seconds = 2.0
    settings.webhooks.poll_seconds = 0.2
    settings.stripe.webhook_secret = SecretStr(STRIPE_WEBHOOK_SECRET)
    settings.authorizenet.signature_key = SecretStr(ANET_SIGNATURE_KEY)
    return settings


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    running = Stack(stack_settings(tmp_path_factory.mktemp("stack")))
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        remove_relocated_postgres(running.data_dir)


def remove_relocated_postgres(data_dir: Path) -> None:
    """PostgreSQL's data, when it lived outside the test's data directory (a private one)."""
    pgdata = postgres.server_data_dir(data_dir, postgres.server_account())
    if not pgdata.is_relative_to(data_dir):
        shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(stack: Stack) -> Settings:
    return stack.settings


@pytest.fixture(scope="session")
async def sessions(settings: Settings) -> AsyncIterator[SessionFactory]:
    engine = create_engine(settings.database)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    assert stack.dev_api_key is not None
    headers = {"Authorization": f"Bearer {stack.dev_api_key}"}
    async with httpx.AsyncClient(
        base_url=stack.settings.api.base_url(), headers=headers, timeout=60
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def gateway_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway simulator's own HTTP API (its ledger and fault switches)."""
    async with gateway_http_client(settings.gateway) as http:
        yield http


@pytest.fixture
async def slow_gateway(gateway_http: httpx.AsyncClient) -> AsyncIterator[None]:
    """Every gateway call takes about 3 s, until the test ends."""
    await gateway_http.put("/v1/admin/faults", json={"latency_ms": 3000})
    try:
        yield
    finally:
        await gateway_http.put("/v1/admin/faults", json={})
