"""The whole local stack: which pieces run, in what order, and how each is known to be healthy."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from devtools.stack import kafka, postgres, processors, temporal
from devtools.stack.devsecrets import ensure_codec_secrets, ensure_dev_key
from devtools.stack.process import ManagedProcess
from devtools.workflow_fingerprint import fingerprint
from payment_saga.config import Settings, as_environment
from payment_saga.ops.deployments import make_current
from payment_saga.processors.routing import PAYPAL, kinds_in_use

HealthCheck = Callable[[], Awaitable[None]]
# While the broker boots, aiokafka logs every refused connection; readiness reports it instead.
logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
APP_PROCESSES = ("gateway", "worker", "api")


@dataclass
class StackOptions:
    """Which of our own processes to run: tests sometimes run the worker or API in-process."""

    processes: tuple[str, ...] = APP_PROCESSES


@dataclass
class Stack:
    settings: Settings
    options: StackOptions = field(default_factory=StackOptions)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    dev_api_key: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.stack.data_dir.resolve()

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def child_env(self) -> dict[str, str]:
        """Our processes get the launcher's settings, with the local services' addresses."""
        s = self.settings
        return {
            **as_environment(s),
            "DATABASE_URL": s.database.sqlalchemy_url(),
            "KAFKA_BOOTSTRAP_SERVERS": s.kafka.bootstrap(),
            "TEMPORAL_ADDRESS": s.temporal.target(),
            "TEMPORAL_UI_URL": s.temporal.web_url(),
            "GATEWAY_URL": s.gateway.base_url(),
            # The simulator's books outlive it, as a processor's records do.
            "GATEWAY_BOOKS_PATH": s.gateway.books_path or str(self.data_dir / "simulator-books"),
            "PYTHONUNBUFFERED": "1",
        }

    async def start(self) -> None:
        try:
            ensure_codec_secrets(self.settings, self.data_dir)
            await self._start_infrastructure()
            postgres.migrate(self.settings.database.sqlalchemy_url())
            self.dev_api_key = await ensure_dev_key(self.settings, self.data_dir)
            await self._start_app()
        except BaseException:
            self.stop()
            raise

    async def _start_infrastructure(self) -> None:
        s = self.settings
        checks: dict[str, HealthCheck] = {}
        if s.temporal.address is None:
            self._launch(temporal.temporal_process(s, self.data_dir, self.log_dir))
        checks["temporal"] = lambda: temporal.temporal_ready(s)
        if s.database.url is None:
            self._launch(postgres.postgres_process(s, self.data_dir, self.log_dir))
        checks["postgres"] = lambda: asyncio.to_thread(postgres.postgres_ready, s)
        if s.kafka.bootstrap_servers is None:
            kafka_proc = await asyncio.to_thread(
                kafka.kafka_process, s, self.data_dir, self.log_dir
            )
            self._launch(kafka_proc)
        checks["kafka"] = lambda: kafka.kafka_ready(s)
        await asyncio.gather(*(self.wait_healthy(name, check) for name, check in checks.items()))
        if s.database.url is None:
            await asyncio.to_thread(postgres.ensure_database, s)

    async def _start_app(self) -> None:
        s = self.settings
        if s.worker.versioning and not s.worker.build_id:
            s.worker.build_id = development_build_id()
        if s.gateway.kind == "stripe" and s.stripe.api_base is None:
            await self.start_stripe()
        if s.gateway.kind == "authorizenet" and s.authorizenet.api_base is None:
            await self.start_authorizenet()
        if PAYPAL in kinds_in_use(s.gateway) and s.paypal.api_base is None:
            await self.start_paypal()
        python = sys.executable
        commands = {
            "gateway": [python, "-m", "devtools.testservers.simulator.server"],
            "worker": [python, "-m", "worker"],
            "api": [python, "-m", "api.main"],
        }
        checks: dict[str, HealthCheck] = {
            "gateway": lambda: http_ok(f"{s.gateway.base_url()}/health"),
            "worker": lambda: task_queue_polled(s),
            "api": lambda: http_ok(f"{s.api.base_url()}/ready"),
        }
        simulated = s.gateway.kind == "simulator"
        for name in APP_PROCESSES:
            if name not in self.options.processes or (name == "gateway" and not simulated):
                continue
            process = ManagedProcess(
                name=name,
                argv=commands[name],
                log_path=self.log_dir / f"{name}.log",
                env=self.child_env(),
                cwd=Path(__file__).resolve().parents[2],
                restartable=True,
            )
            self._launch(process)
            await self.wait_healthy(name, checks[name])
            if name == "worker" and s.worker.versioning:
                await self._make_worker_current()

    async def _make_worker_current(self) -> None:
        """The new build takes new payments once its worker polls; runs begun on an earlier
        build stay pinned to it (docs/deployment.md, "Upgrades")."""
        s = self.settings
        client = await Client.connect(s.temporal.target(), namespace=s.temporal.namespace)
        await make_current(client, s.worker.deployment_name, s.worker.build_id)

    async def start_stripe(self) -> None:
        """Stripe's protocol server with state (devtools/testservers/stripe.py) for our
        processes."""
        for process in processors.stripe_processes(self.settings, self.log_dir):
            self._launch(process)
        url = processors.stripe_url(self.settings)
        await self.wait_healthy("stripe", lambda: http_ok(f"{url}/health"))
        self.settings.stripe.api_base = url

    async def start_authorizenet(self) -> None:
        """Authorize.Net's test server (devtools/testservers/authorizenet.py) for our processes."""
        self._launch(processors.authorizenet_process(self.settings, self.log_dir))
        url = processors.authorizenet_url(self.settings)
        await self.wait_healthy("authorizenet", lambda: http_ok(f"{url}/health"))
        self.settings.authorizenet.api_base = url

    async def start_paypal(self) -> None:
        """PayPal's test server (devtools/testservers/paypal/) for our processes, sending its
        notices to our API under a local webhook subscription."""
        self.settings.paypal.webhook_id = (
            self.settings.paypal.webhook_id or "8PT597110X687430LKGECATA"
        )
        self._launch(processors.paypal_process(self.settings, self.log_dir))
        url = processors.paypal_url(self.settings)
        await self.wait_healthy("paypal", lambda: http_ok(f"{url}/health"))
        self.settings.paypal.api_base = url

    def _launch(self, process: ManagedProcess) -> None:
        process.start()
        self.processes[process.name] = process

    async def wait_healthy(self, name: str, check: HealthCheck) -> None:
        deadline = time.monotonic() + self.settings.stack.start_timeout_seconds
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            self._raise_if_any_exited()
            try:
                await asyncio.wait_for(check(), timeout=10)
                return
            except Exception as error:
                last_error = error
            await asyncio.sleep(0.3)
        raise RuntimeError(f"{name} did not become healthy in time: {last_error!r}")

    def _raise_if_any_exited(self) -> None:
        """A part that exits while the stack starts stops it at once, named with its log's
        last lines: waiting on another part's health would blame the wrong one."""
        for process in self.processes.values():
            if not process.alive():
                raise RuntimeError(
                    f"{process.name} exited with code {process.exit_code()}; its log"
                    f" ({process.log_path}) ends:\n{process.log_tail()}"
                )

    async def supervise_once(self) -> list[str]:
        """Restart our own processes that died; report infrastructure that died."""
        events: list[str] = []
        for process in self.processes.values():
            if process.alive():
                continue
            if not process.restartable:
                events.append(f"{process.name} exited with code {process.exit_code()}")
                continue
            events.append(f"{process.name} exited with code {process.exit_code()}; restarting")
            process.restart()
        return events

    def stop(self) -> None:
        # Reverse start order: our processes first, then Kafka, Postgres, Temporal.
        for process in reversed(list(self.processes.values())):
            process.stop()

    def locations(self) -> list[tuple[str, str]]:
        s = self.settings
        rows = [
            ("API docs", f"{s.api.base_url()}/docs"),
            ("Temporal UI", s.temporal.web_url()),
            ("Temporal frontend", s.temporal.target()),
            ("Postgres", s.database.sqlalchemy_url()),
            ("Kafka bootstrap", f"{s.kafka.bootstrap()} (topic {s.kafka.topic})"),
            _gateway_location(s),
            *_paypal_location(s),
            ("Worker metrics", f"http://{s.worker.metrics_host}:{s.worker.metrics_port}/metrics"),
            (
                "Temporal SDK metrics",
                f"http://{s.worker.metrics_host}:{s.worker.sdk_metrics_port}/metrics",
            ),
            ("Worker build", _worker_build(s)),
            ("Data directory", str(self.data_dir)),
            ("Logs", str(self.log_dir)),
            ("Dev API key", self.dev_api_key or "-"),
            ("Operator token", _secret(self.settings.codec.operator_token)),
        ]
        if s.database.url is None:
            pgdata = postgres.server_data_dir(self.data_dir, postgres.server_account())
            if not pgdata.is_relative_to(self.data_dir):
                # The checkout is private: PostgreSQL's account cannot reach .data/.
                rows.append(("Postgres data", str(pgdata)))
        return rows


def _gateway_location(settings: Settings) -> tuple[str, str]:
    if settings.gateway.kind == "stripe":
        return ("Stripe API", settings.stripe.base_url())
    if settings.gateway.kind == "authorizenet":
        return ("Authorize.Net API", settings.authorizenet.base_url())
    if settings.gateway.kind == PAYPAL:
        return ("PayPal API", settings.paypal.base_url())
    return ("Gateway simulator", settings.gateway.base_url())


# The local PayPal test server's webhook subscription (letters and digits, as PayPal's ids).
LOCAL_WEBHOOK_ID = "8PT597110X687430LKGECATA"


def _paypal_location(settings: Settings) -> list[tuple[str, str]]:
    if settings.gateway.kind == PAYPAL or PAYPAL not in kinds_in_use(settings.gateway):
        return []
    return [("PayPal API", settings.paypal.base_url())]


def development_build_id() -> str:
    """A development build is known by its workflow code: restarted on the same code, the
    stack's worker is the same version and carries on its pinned runs."""
    return f"dev-{fingerprint()[:12]}"


def _worker_build(settings: Settings) -> str:
    worker = settings.worker
    if not worker.versioning:
        return "unversioned (WORKER_VERSIONING=false)"
    return f"{worker.build_id} of deployment {worker.deployment_name}, current"


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else "-"


async def http_ok(url: str) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(url)
        response.raise_for_status()


async def task_queue_polled(settings: Settings, task_queue: str | None = None) -> None:
    client = await Client.connect(settings.temporal.target(), namespace=settings.temporal.namespace)
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal.namespace,
            task_queue=TaskQueue(name=task_queue or settings.temporal.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    if not response.pollers:
        raise RuntimeError("no worker polls the task queue yet")
