"""OpenTelemetry tracing, off by default: one trace from the HTTP request through the workflow
and its activities to the Kafka publish (the outbox row carries the W3C `traceparent`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind
from temporalio.contrib.opentelemetry import TracingInterceptor

from payment_saga.config import Settings

tracer = trace.get_tracer("payment_saga")


def configure_tracing(settings: Settings, service: str) -> None:
    """Export spans over OTLP/HTTP when an endpoint is configured; otherwise do nothing."""
    endpoint = settings.tracing.otlp_endpoint
    if endpoint is None:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": f"payment-saga-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)


def temporal_interceptors(settings: Settings) -> list[TracingInterceptor]:
    """On the client, so workflows started from it and workers built on it both trace."""
    return [TracingInterceptor()] if settings.tracing.enabled() else []


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def server_span(name: str, headers: Mapping[str, str]) -> Iterator[Span]:
    with tracer.start_as_current_span(
        name, context=propagate.extract(dict(headers)), kind=SpanKind.SERVER
    ) as span:
        yield span


@contextmanager
def publish_span(topic: str, event: Mapping[str, Any]) -> Iterator[None]:
    """The Kafka publish of one event, as a child of the step that committed it."""
    traceparent = event.get("traceparent")
    if traceparent is None:
        yield
        return
    parent = propagate.extract({"traceparent": traceparent})
    attributes = {"messaging.system": "kafka", "messaging.destination.name": topic}
    with tracer.start_as_current_span(
        f"{topic} publish", context=parent, kind=SpanKind.PRODUCER, attributes=attributes
    ):
        yield
