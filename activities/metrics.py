"""The worker's own metrics: gateway calls, payment outcomes, compensations."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from payment_saga.db.models import PaymentAttempt


class ActivityMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry or CollectorRegistry()
        self.gateway_calls = Counter(
            "gateway_requests_total",
            "Gateway calls by operation and outcome",
            ["operation", "outcome"],
            registry=registry,
        )
        self.gateway_latency = Histogram(
            "gateway_request_duration_seconds",
            "Gateway call latency",
            ["operation"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.payments = Counter(
            "payments_reached_total",
            "Payments reaching each status (every state change counts once)",
            ["status"],
            registry=registry,
        )
        self.compensations = Counter(
            "compensations_total",
            "Authorizations voided: after a failure, or on request or expiry",
            ["reason"],
            registry=registry,
        )

        self.unretryable = Counter(
            "activity_unretryable_errors_total",
            "Activity failures that retrying cannot fix (data, integrity, programming errors):"
            " the step ends failed instead of retrying; any increase needs a person",
            ["activity", "error"],
            registry=registry,
        )

        self.outcome_unknown = Counter(
            "payments_outcome_unknown_total",
            "Captures and refunds the gateway could not confirm either way: each needs an"
            " operator (payment-saga payments resolve)",
            ["operation"],
            registry=registry,
        )

    def observe_attempt(self, attempt: PaymentAttempt) -> None:
        self.gateway_calls.labels(attempt.operation, attempt.outcome).inc()
        self.gateway_latency.labels(attempt.operation).observe(attempt.latency_ms / 1000)

    def reached(self, status: str) -> None:
        self.payments.labels(status).inc()
