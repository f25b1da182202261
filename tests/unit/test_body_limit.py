"""The API's body limit, at the ASGI level: declared lengths, chunked bodies, disconnects."""

from __future__ import annotations

import json

from starlette.types import Message, Receive, Scope, Send

from api.middleware import BodyLimit

LIMIT = 10


async def body_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the body it read, or 499 when the client left first."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            await send({"type": "http.response.start", "status": 499, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def call(messages: list[Message], headers: list[tuple[bytes, bytes]]) -> list[Message]:
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    incoming = iter(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return next(incoming, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimit(body_echo, max_body_bytes=LIMIT)(scope, receive, send)
    return sent


def chunk(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_a_chunked_body_within_the_limit_reaches_the_app_as_sent() -> None:
    sent = await call([chunk(b"12345", True), chunk(b"67890", False)], [])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"1234567890"


async def test_a_chunked_body_past_the_limit_is_refused_before_the_app() -> None:
    sent = await call([chunk(b"123456", True), chunk(b"78901", True), chunk(b"x", False)], [])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "request_too_large"


async def test_a_declared_length_past_the_limit_is_refused_unread() -> None:
    sent = await call([], [(b"content-length", b"11")])
    assert sent[0]["status"] == 413


async def test_a_malformed_declared_length_is_refused() -> None:
    sent = await call([], [(b"content-length", b"-1")])
    assert sent[0]["status"] == 413


async def test_a_client_leaving_mid_body_is_seen_by_the_app() -> None:
    sent = await call([chunk(b"123", True), {"type": "http.disconnect"}], [])
    assert sent[0]["status"] == 499
    assert sent[1]["body"] == b"123"
