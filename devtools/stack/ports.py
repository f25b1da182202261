"""Free loopback ports, for a stack that must not collide with another on this machine."""

from __future__ import annotations

import socket

from payment_saga.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def isolated(settings: Settings) -> Settings:
    """The same settings with every listening port moved to a free one."""
    settings.temporal.port = free_port()
    settings.temporal.ui_port = free_port()
    settings.database.port = free_port()
    settings.kafka.port = free_port()
    settings.kafka.controller_port = free_port()
    settings.gateway.port = free_port()
    settings.api.port = free_port()
    settings.worker.metrics_port = free_port()
    settings.worker.sdk_metrics_port = free_port()
    settings.stripe.port = free_port()
    settings.stripe.mock_port = free_port()
    settings.authorizenet.port = free_port()
    settings.paypal.port = free_port()
    return settings
