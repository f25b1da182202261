"""Per-request plumbing: a body-size limit, a request id, rate-limit headers, request metrics."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.headers import SINGLE_VALUED, content_length
from payment_saga.observability.tracing import server_span

log = structlog.get_logger("payment_saga.api")


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "api_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "api_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )


def _route_template(request: Request) -> str:
    # Label by template (/v1/payments/{payment_id}), never by raw path: ids would explode it.
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


def _new_request_id() -> str:
    return "req_" + uuid.uuid4().hex[:16]


class BodyLimit:
    """Refuses request bodies over the limit with 413, declared up front or not.

    A declared Content-Length is checked before reading; a chunked body (no length) is read here
    up to the limit and handed on as received, so no handler ever buffers an unbounded body.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        repeated = _repeated_header(headers)
        if repeated is not None:
            message = f"send the {repeated} header once"
            await self._refuse(scope, receive, send, 400, "header_repeated", message)
            return
        length = headers.get("content-length")
        if length is not None:
            declared = content_length(length)
            if declared is not None and declared <= self.max_body_bytes:
                await self.app(scope, receive, send)
            else:
                await self._refuse(scope, receive, send)
            return
        received = await self._read_within_limit(receive)
        if received is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, _replaying(received, receive), send)

    async def _read_within_limit(self, receive: Receive) -> list[Message] | None:
        """The body's messages as received (a disconnect included), or None past the limit."""
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                return received
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return received

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int = 413,
        code: str = "request_too_large",
        message: str | None = None,
    ) -> None:
        request = Request(scope)
        request.state.request_id = _new_request_id()
        message = message or f"request bodies are limited to {self.max_body_bytes} bytes"
        body = error_body(request, "invalid_request_error", code, message)
        headers = {"X-Request-Id": request.state.request_id}
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)


def _repeated_header(headers: Headers) -> str | None:
    """The first header that must come once and came more often (api/headers.py)."""
    return next((name for name in SINGLE_VALUED if len(headers.getlist(name)) > 1), None)


def _replaying(received: list[Message], receive: Receive) -> Receive:
    pending = list(received)

    async def replay() -> Message:
        # The buffered messages first, then the real channel (the handler waits on it for the
        # client's disconnect).
        return pending.pop(0) if pending else await receive()

    return replay


class Plumbing:
    """A request id, a server span, rate-limit headers, metrics and one log line per request.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs each
    request's handler in a task of its own and streams the response through it, which the
    API's profile showed costing more than the middleware's own work.
    """

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        request_id = _new_request_id()
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before starting a response

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                verdict = getattr(request.state, "rate_limit", None)
                if verdict is not None:
                    headers.update(verdict.headers())
            await send(message)

        # Named by the route's template once routed, never by the raw path: a path can hold a
        # secret (the codec's `/codec/t/<operator token>`, for the Temporal UI) or an id.
        with server_span(request.method, request.headers) as span:
            try:
                await self.app(scope, receive, send_with_headers)
            finally:
                route = _route_template(request)
                span.update_name(f"{request.method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                self._observe(request, route, status, time.perf_counter() - started)

    def _observe(self, request: Request, route: str, status: int, elapsed: float) -> None:
        self.metrics.requests.labels(request.method, route, str(status)).inc()
        self.metrics.latency.labels(request.method, route).observe(elapsed)
        payment_id = request.path_params.get("payment_id")
        log.info(
            "request",
            method=request.method,
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 1),
            **({"payment_id": payment_id, "workflow_id": payment_id} if payment_id else {}),
        )


def install(app: FastAPI, metrics: ApiMetrics, max_body_bytes: int) -> None:
    # The last added runs first: the body limit, then the plumbing around the app.
    app.add_middleware(Plumbing, metrics=metrics)
    app.add_middleware(BodyLimit, max_body_bytes=max_body_bytes)
