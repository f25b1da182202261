"""The real stack, started once per test session through the launcher's own code.

Free loopback ports and a temporary data directory, so a developer's running stack is left
alone. A service that cannot start fails the tests that need it, with its log tail.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from settings import Settings
from stack.stack import Stack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stack_settings(data_dir: Path) -> Settings:
    settings = Settings(_env_file=None)
    settings.stack.data_dir = data_dir
    settings.temporal.port = free_port()
    settings.temporal.ui_port = free_port()
    settings.database.port = free_port()
    settings.kafka.port = free_port()
    settings.kafka.controller_port = free_port()
    settings.gateway.port = free_port()
    settings.api.port = free_port()
    settings.worker.metrics_port = free_port()
    settings.worker.sdk_metrics_port = free_port()
    # Every test shares the dev key; rate limits are tested on an app of their own.
    settings.api.rate_limit_per_minute = 1_000_000
    settings.api.rate_limit_burst = 1_000_000
    return settings


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    running = Stack(stack_settings(tmp_path_factory.mktemp("stack")))
    await running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def settings(stack: Stack) -> Settings:
    return stack.settings
