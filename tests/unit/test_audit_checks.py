"""The audit's checks catch what they are for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from payment_saga.ops.audit.checks import (
    PaymentFacts,
    RunFacts,
    amounts_agree,
    deadline_kept,
    events_agree,
    ledger_agrees,
    processor_agrees,
    settlement_agrees,
    workflow_agrees,
)
from payment_saga.processors.port import Settlement

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
TTL = timedelta(days=7)
ACTION = timedelta(minutes=15)


def captured() -> PaymentFacts:
    return PaymentFacts(
        id="pay_1", status="captured", amount=1000, authorized=1000, captured=1000, refunded=0,
        capture_method="automatic", created_at=NOW - timedelta(minutes=1), succeeded_refunds=0,
        ledger=[
            {"operation": "authorize", "amount": 1000}, {"operation": "capture", "amount": 1000},
        ],
        outbox=[(1, "e1", True), (2, "e2", True)], kafka_ids=["e1", "e2"],
    )  # fmt: skip


def test_a_consistent_payment_has_no_violations() -> None:
    p = captured()
    assert amounts_agree(p) + ledger_agrees(p, TTL, NOW) + events_agree(p) == []
    assert deadline_kept(p, TTL, NOW, ACTION) == []


def test_double_capture_and_refund_beyond_capture_are_caught() -> None:
    p = captured()
    doubled = replace(p, ledger=[*p.ledger, {"operation": "capture", "amount": 1000}])
    assert "2 captures at the gateway" in ledger_agrees(doubled, TTL, NOW)
    over = replace(p, ledger=[*p.ledger, {"operation": "refund", "amount": 1001}])
    assert "refunded beyond the capture at the gateway" in ledger_agrees(over, TTL, NOW)


def test_status_amount_mismatch_is_caught() -> None:
    assert amounts_agree(replace(captured(), status="refunded"))
    assert amounts_agree(replace(captured(), succeeded_refunds=5))


def test_missing_or_reordered_events_are_caught() -> None:
    assert events_agree(replace(captured(), kafka_ids=["e2", "e1"]))
    assert events_agree(replace(captured(), kafka_ids=["e1"]))
    assert events_agree(replace(captured(), outbox=[(1, "e1", True), (3, "e3", True)]))
    assert events_agree(replace(captured(), outbox=[(1, "e1", True), (2, "e2", False)]))


def test_stuck_payments_are_caught() -> None:
    old = NOW - timedelta(hours=1)
    assert deadline_kept(replace(captured(), status="pending", created_at=old), TTL, NOW, ACTION)
    open_authorization = replace(
        captured(), status="authorized", captured=0, created_at=NOW - timedelta(days=8),
        ledger=[{"operation": "authorize", "amount": 1000}], capture_method="manual",
    )  # fmt: skip
    assert "an authorization neither captured nor voided past its expiry" in ledger_agrees(
        open_authorization, TTL, NOW
    )


def test_a_payment_waiting_for_the_customer_past_its_limit_is_caught() -> None:
    waiting = replace(
        captured(), status="requires_action", authorized=0, captured=0, ledger=[],
        created_at=NOW - timedelta(minutes=10),
    )  # fmt: skip
    assert amounts_agree(waiting) == []
    assert deadline_kept(waiting, TTL, NOW, ACTION) == []
    [problem] = deadline_kept(waiting, TTL, NOW, timedelta(minutes=4))
    assert "waiting for the customer" in problem
    assert amounts_agree(replace(waiting, authorized=1000))


def test_outcome_unknown_is_shown_until_resolved() -> None:
    unknown = replace(captured(), status="outcome_unknown")
    assert amounts_agree(unknown) == []
    [problem] = deadline_kept(unknown, timedelta(days=7), NOW, ACTION)
    assert "payments resolve" in problem


def test_purged_events_are_allowed_but_a_gap_is_not() -> None:
    """Past the outbox retention the oldest rows are deleted: the kept ones must be the last
    of the payment's sequence, and Kafka's last ids."""
    kept = replace(captured(), outbox=[(2, "e2", True)], event_sequence=2, kafka_ids=["e1", "e2"])
    assert events_agree(kept) == []
    gap = replace(kept, outbox=[(1, "e1", True)], event_sequence=2)
    assert "outbox sequences [1] are not the last of 1..2" in events_agree(gap)
    unsent = replace(kept, kafka_ids=["e1"])
    assert events_agree(unsent) == ["kafka holds 1 ids in another order or set"]


def test_a_run_that_disagrees_with_its_row_is_caught() -> None:
    read = replace(captured(), runs_read=True)
    assert workflow_agrees(read) == []  # settled, its runs gone past retention
    running = RunFacts("r1", "running", "captured", captured=1000, refunded=0)
    assert workflow_agrees(replace(read, run=running)) == []
    stale = replace(running, status="completed", refunded=None, captured=None)
    assert workflow_agrees(replace(read, run=stale, status="partially_refunded")) == [
        "its run says captured, the row partially_refunded"
    ]
    terminated = replace(running, status="terminated", payment_status="authorized", captured=0)
    assert workflow_agrees(replace(read, status="authorized", captured=0, run=terminated)) == [
        "its last run is terminated but the payment is authorized"
    ]
    assert workflow_agrees(replace(read, status="pending")) == ["no workflow run"]


def test_the_processors_own_view_is_compared_where_it_has_one() -> None:
    stripe = replace(captured(), ledger=[], ledger_read=False)
    assert ledger_agrees(stripe, TTL, NOW) == []  # the simulator's ledger is not this one's
    assert processor_agrees(replace(stripe, settlement=Settlement(1000, 0))) == []
    assert processor_agrees(replace(stripe, settlement=Settlement(900, 100))) == [
        "processor captured 900, payment says 1000",
        "processor refunded 100, payment says 0",
    ]
    assert processor_agrees(replace(stripe, settlement=Settlement(1000, None))) == []
    unreachable = processor_agrees(replace(stripe, settlement="processing_error: down"))
    assert unreachable == ["the processor could not be asked: processing_error: down"]


def test_a_hold_left_open_at_any_processor_is_caught() -> None:
    """Each processor's authorization ends (captured, voided, or expired by the processor)
    once the payment is at rest; one processor authorizing twice is a double hold."""
    authorize = {"operation": "authorize", "amount": 1000}
    failed = replace(
        captured(), status="failed", captured=0, authorized=0,
        ledger=[authorize | {"processor": "stripe"}],
    )  # fmt: skip
    assert ledger_agrees(failed, TTL, NOW) == ["a hold left open at the stripe on a failed payment"]
    expired = replace(failed, ledger=[*failed.ledger, {"operation": "expire", "amount": 0}])
    assert ledger_agrees(replace(expired, ledger=[
        {**e, "processor": "stripe"} for e in expired.ledger
    ]), TTL, NOW) == []  # fmt: skip
    failed_over = replace(captured(), ledger=[
        authorize | {"processor": "stripe"},
        {"operation": "void", "amount": 0, "processor": "stripe"},
        authorize | {"processor": "authorizenet"},
        {"operation": "capture", "amount": 1000, "processor": "authorizenet"},
    ])  # fmt: skip
    assert ledger_agrees(failed_over, TTL, NOW) == []
    twice = replace(captured(), ledger=[*captured().ledger, authorize])
    assert ledger_agrees(twice, TTL, NOW) == [
        "2 authorizations at the gateway",
        "a hold left open at the gateway on a captured payment",
    ]


def test_what_settled_is_what_we_captured_and_refunded_or_a_discrepancy_says_so() -> None:
    """#32: every settled amount equals ours (so, all settled, captured less refunded)."""
    p = replace(captured(), status="partially_refunded", refunded=300, succeeded_refunds=300,
                refund_amounts={"re_1": 300})  # fmt: skip
    settled = [("capture", None, 1000), ("refund", "re_1", -300)]
    agreeing = replace(p, settled=settled, settlement_shown=2)
    assert settlement_agrees(agreeing) == []
    assert sum(amount for _, _, amount in settled) == p.captured - p.refunded

    short = replace(agreeing, settled=[("capture", None, 999), ("refund", "re_1", -300)])
    assert settlement_agrees(short) == [
        "its capture settled 999, ours 1000, and no discrepancy says so"
    ]
    assert settlement_agrees(replace(short, disputed_by_reconciliation={None})) == []
    unknown_refund = replace(agreeing, settled=[*settled[:1], ("refund", "re_9", -300)])
    assert "its refund re_9 settled -300, ours 0" in settlement_agrees(unknown_refund)[0]
    twice = replace(agreeing, settled=[*settled, ("capture", None, 1000)], settlement_shown=3)
    assert settlement_agrees(twice) == ["its capture settled 2 times"]
    assert settlement_agrees(replace(agreeing, settlement_shown=1)) == [
        "2 items settled, the payment shows 1"
    ]
