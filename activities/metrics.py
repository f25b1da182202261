"""The worker's own metrics: gateway calls, payment outcomes, compensations."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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

        # Settlement reconciliation (#32; docs/operations.md, "Settlement reconciliation").
        self.discrepancies = Counter(
            "reconciliation_discrepancies_total",
            "Discrepancies between settlement reports and our books, by what happened to them"
            " (opened, escalated, closed by a later report)",
            ["processor", "kind", "change"],
            registry=registry,
        )
        self.discrepancies_open = Gauge(
            "reconciliation_discrepancies_open",
            "Discrepancies open as of the latest reconciliation run (escalated: open past"
            " RECONCILIATION_ESCALATE_AFTER_DAYS); each needs finance or an operator",
            ["processor", "kind", "escalated"],
            registry=registry,
        )

    def observe_attempt(self, attempt: PaymentAttempt) -> None:
        self.gateway_calls.labels(attempt.operation, attempt.outcome).inc()
        self.gateway_latency.labels(attempt.operation).observe(attempt.latency_ms / 1000)

    def reached(self, status: str) -> None:
        self.payments.labels(status).inc()

    def discrepancies_changed(self, changed: list[tuple[str, str]], change: str) -> None:
        """`changed`: (processor, kind) of each discrepancy that was `change`d."""
        for processor, kind in changed:
            self.discrepancies.labels(processor, kind, change).inc()

    def discrepancies_now(self, open_counts: list[tuple[str, str, bool, int]]) -> None:
        self.discrepancies_open.clear()
        for processor, kind, escalated, count in open_counts:
            self.discrepancies_open.labels(processor, kind, str(escalated).lower()).set(count)
