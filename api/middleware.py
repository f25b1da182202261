"""Per-request plumbing: a request id, rate-limit headers, and request metrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram

from api.errors import error_body
from observability.tracing import server_span

log = structlog.get_logger("payment_saga.api")
Next = Callable[[Request], Awaitable[Response]]


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


def _too_large(request: Request, max_body_bytes: int) -> bool:
    length = request.headers.get("content-length", "0")
    return not length.isdigit() or int(length) > max_body_bytes


def install(app: FastAPI, metrics: ApiMetrics, max_body_bytes: int) -> None:
    @app.middleware("http")
    async def plumbing(request: Request, call_next: Next) -> Response:
        request.state.request_id = "req_" + uuid.uuid4().hex[:16]
        if _too_large(request, max_body_bytes):
            body = error_body(
                request,
                "invalid_request_error",
                "request_too_large",
                f"request bodies are limited to {max_body_bytes} bytes",
            )
            return JSONResponse(body, status_code=413)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.state.request_id)
        started = time.perf_counter()
        with server_span(f"{request.method} {request.url.path}", request.headers) as span:
            response = await call_next(request)
            span.set_attribute("http.route", _route_template(request))
            span.set_attribute("http.response.status_code", response.status_code)
        response.headers["X-Request-Id"] = request.state.request_id
        verdict = getattr(request.state, "rate_limit", None)
        if verdict is not None:
            response.headers.update(verdict.headers())
        route = _route_template(request)
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        elapsed = time.perf_counter() - started
        metrics.latency.labels(request.method, route).observe(elapsed)
        payment_id = request.path_params.get("payment_id")
        log.info(
            "request",
            method=request.method,
            route=route,
            status=response.status_code,
            duration_ms=round(elapsed * 1000, 1),
            **({"payment_id": payment_id, "workflow_id": payment_id} if payment_id else {}),
        )
        return response
