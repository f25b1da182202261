"""The local processors' test servers: Stripe's (stripe-mock and, in front of it,
devtools/testservers/stripe.py), Authorize.Net's (devtools/testservers/authorizenet.py) and
PayPal's (devtools/testservers/paypal/)."""

from __future__ import annotations

import sys
from pathlib import Path

from devtools.stack.process import ManagedProcess
from payment_saga.config import Settings

ROOT = Path(__file__).resolve().parents[2]
# Built by `make install` (the Makefile's STRIPE_MOCK).
STRIPE_MOCK = ROOT / ".tools" / "go" / "bin" / "stripe-mock"


def stripe_processes(settings: Settings, log_dir: Path) -> list[ManagedProcess]:
    """stripe-mock on `stripe.mock_port`, the stateful server on `stripe.port`."""
    if not STRIPE_MOCK.exists():
        raise RuntimeError(f"{STRIPE_MOCK} is missing: `make install` builds it")
    s = settings.stripe
    mock = ManagedProcess(
        name="stripe-mock",
        # stripe-mock opens HTTPS on its default 12112 too unless told where (even with
        # -http-addr given): a port the system picks, so it never takes one of ours.
        argv=[
            str(STRIPE_MOCK),
            "-http-addr",
            f"{s.host}:{s.mock_port}",
            "-https-addr",
            f"{s.host}:0",
        ],
        log_path=log_dir / "stripe-mock.log",
        restartable=True,
    )
    fake = ManagedProcess(
        name="stripe",
        argv=[sys.executable, "-m", "devtools.testservers.stripe"],
        log_path=log_dir / "stripe.log",
        env={
            "STRIPE_HOST": s.host,
            "STRIPE_PORT": str(s.port),
            "STRIPE_MOCK_PORT": str(s.mock_port),
        },
        cwd=ROOT,
        restartable=True,
    )
    return [mock, fake]


def stripe_url(settings: Settings) -> str:
    return f"http://{settings.stripe.host}:{settings.stripe.port}"


def authorizenet_process(settings: Settings, log_dir: Path) -> ManagedProcess:
    return ManagedProcess(
        name="authorizenet",
        argv=[sys.executable, "-m", "devtools.testservers.authorizenet"],
        log_path=log_dir / "authorizenet.log",
        env={"AUTHORIZENET_PORT": str(settings.authorizenet.port)},
        cwd=ROOT,
        restartable=True,
    )


def authorizenet_url(settings: Settings) -> str:
    return f"http://{settings.authorizenet.host}:{settings.authorizenet.port}"


def paypal_process(settings: Settings, log_dir: Path) -> ManagedProcess:
    s = settings.paypal
    return ManagedProcess(
        name="paypal",
        argv=[sys.executable, "-m", "devtools.testservers.paypal.server"],
        log_path=log_dir / "paypal.log",
        env={
            "PAYPAL_HOST": s.host,
            "PAYPAL_PORT": str(s.port),
            "PAYPAL_CLIENT_ID": s.client_id,
            "PAYPAL_CLIENT_SECRET": s.client_secret.get_secret_value(),
            # Its notices go to our API, signed for our subscription.
            "PAYPAL_WEBHOOK_ID": s.webhook_id or "",
            "PAYPAL_TEST_WEBHOOK_URL": f"{settings.api.base_url()}/v1/webhooks/paypal",
        },
        cwd=ROOT,
        restartable=True,
    )


def paypal_url(settings: Settings) -> str:
    return f"http://{settings.paypal.host}:{settings.paypal.port}"
