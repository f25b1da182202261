"""Signed webhooks to an account's endpoint: the receiver is down while payments happen, comes
back, and gets every event once, each with a valid Payment-Saga-Signature; a manual redelivery
sends one again. Endpoints are registered and disabled with the CLI, as operators do."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import Counter
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request

from devtools.stack.ports import free_port
from payment_saga.config import Settings
from tests.e2e.conftest import create, payment_body
from tests.integration.conftest import run_cli


class Receiver:
    """An order service's webhook endpoint, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[dict[str, str], bytes]] = []
        app = FastAPI()

        @app.post("/hooks")
        async def hook(request: Request) -> dict[str, bool]:
            self.received.append((dict(request.headers), await request.body()))
            return {"ok": True}

        self._app = app
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> None:
        config = uvicorn.Config(self._app, host="127.0.0.1", port=self.port, log_config=None)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(200):
            if self._server.started:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the receiver did not start")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task


def cli(settings: Settings, *words: str) -> Any:
    done = run_cli(settings, "--json", *words)
    done.check_returncode()
    return json.loads(done.stdout)


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in headers["payment-saga-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def until(check: Any, tries: int = 200) -> None:
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{check.__name__} never came true")


async def test_a_receiver_that_was_down_gets_every_event_once_signed(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    account = (await create(api, payment_body())).json()["account_id"]
    receiver = Receiver()
    endpoint = cli(settings, "webhooks", "add", "--account", account, "--url", receiver.url)
    try:
        payments = [(await create(api, payment_body())).json()["id"] for _ in range(2)]

        async def tried() -> bool:
            rows = cli(settings, "webhooks", "deliveries", "--endpoint", endpoint["id"])
            return len(rows) == 4 and all(r["attempts"] >= 1 for r in rows)

        await until(tried)  # every event tried, and refused: nobody listening
        await receiver.start()

        async def all_delivered() -> bool:
            rows = cli(settings, "webhooks", "deliveries", "--endpoint", endpoint["id"])
            return all(r["status"] == "delivered" for r in rows)

        await until(all_delivered)
        bodies = [json.loads(body) for _, body in receiver.received]
        assert Counter(e["id"] for e in bodies).most_common(1)[0][1] == 1  # each once
        assert {e["subject"] for e in bodies} == set(payments)
        assert (
            sorted(e["type"] for e in bodies)
            == ["payment.authorized"] * 2 + ["payment.succeeded"] * 2
        )
        assert all(verified(endpoint["secret"], h, b) for h, b in receiver.received)
        assert not verified("whsec_wrong", *receiver.received[0])

        delivery = cli(settings, "webhooks", "deliveries", "--endpoint", endpoint["id"])[0]
        assert cli(settings, "webhooks", "redeliver", str(delivery["id"])) == [{"redelivered": 1}]

        async def sent_again() -> bool:
            return len(receiver.received) == 5

        await until(sent_again)
        assert json.loads(receiver.received[-1][1])["id"] == delivery["event_id"]
    finally:
        cli(settings, "webhooks", "disable", endpoint["id"])
        await receiver.stop()
