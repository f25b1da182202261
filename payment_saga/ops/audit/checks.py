"""Pure checks: one payment's row, refunds, gateway ledger and events -> its violations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from payment_saga.domain.states import CaptureMethod, PaymentStatus
from payment_saga.processors.port import Settlement

# A payment may stay non-final this long after its creation, per status, before it is stuck.
PENDING_DEADLINE = timedelta(minutes=15)  # authorize gives up after 10 minutes
AUTHORIZED_GRACE = timedelta(minutes=15)
# Past its action's limit a payment waiting for the customer fails within a look or two.
ACTION_GRACE = timedelta(minutes=5)
# Statuses that only an authorization at the gateway can lead to.
AUTHORIZED_ONCE = frozenset(
    {
        PaymentStatus.AUTHORIZED,
        PaymentStatus.CAPTURED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.OUTCOME_UNKNOWN,
    }
)


# Statuses a payment may rest in with no workflow run open; any other needs a run driving it.
AT_REST = frozenset(
    {
        PaymentStatus.CAPTURED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELED,
    }
)


@dataclass(frozen=True)
class RunFacts:
    """A payment's latest workflow run: its Temporal status and the search attributes it
    last published (None: a run begun before the attribute existed)."""

    run_id: str
    status: str  # running, completed, failed, canceled, terminated, timed_out
    payment_status: str | None
    captured: int | None = None
    refunded: int | None = None


@dataclass(frozen=True)
class PaymentFacts:
    id: str
    status: str
    amount: int
    authorized: int
    captured: int
    refunded: int
    capture_method: str
    created_at: datetime
    succeeded_refunds: int
    ledger: list[dict[str, Any]] = field(default_factory=list)
    # Whether `ledger` is the payment's processor's view (the simulator keeps one; another
    # processor's payments are not checked against it).
    ledger_read: bool = True
    outbox: list[tuple[int, str, bool]] = field(default_factory=list)  # sequence, id, published
    kafka_ids: list[str] | None = None  # first occurrences, in arrival order; None: not read
    # The payment's last event sequence (None: take the outbox's count). Rows before the kept
    # ones were purged past the outbox retention.
    event_sequence: int | None = None
    # The payment's processor's own view (payment_saga/ops/audit/processors.py): None when not
    # asked, a string
    # when it could not be read.
    settlement: Settlement | str | None = None
    runs_read: bool = False  # whether `run` was looked up in Temporal
    run: RunFacts | None = None
    # What the processors settled for it (#32): (kind, refund id, amount moved) per report item;
    # how many items the payment's own `settlement` shows; our succeeded refunds' amounts; and
    # what the discrepancies about it are about ((refund id or None) per discrepancy).
    settled: list[tuple[str, str | None, int]] = field(default_factory=list)
    settlement_shown: int = 0
    refund_amounts: dict[str, int] = field(default_factory=dict)
    disputed_by_reconciliation: set[str | None] = field(default_factory=set)


def amounts_agree(p: PaymentFacts) -> list[str]:
    s = PaymentStatus(p.status)
    problems = []
    if not 0 <= p.refunded <= p.captured <= p.authorized <= p.amount:
        problems.append("amounts out of order")
    expected = {
        PaymentStatus.PENDING: p.authorized == p.captured == p.refunded == 0,
        PaymentStatus.REQUIRES_ACTION: p.authorized == p.captured == p.refunded == 0,
        PaymentStatus.AUTHORIZED: p.authorized > 0 and p.captured == 0,
        PaymentStatus.CAPTURED: p.captured > 0 and p.refunded == 0,
        PaymentStatus.PARTIALLY_REFUNDED: 0 < p.refunded < p.captured,
        PaymentStatus.REFUNDED: 0 < p.refunded == p.captured,
        PaymentStatus.FAILED: p.captured == 0,
        PaymentStatus.CANCELED: p.captured == 0,
        PaymentStatus.OUTCOME_UNKNOWN: p.authorized > 0,
    }[s]
    if not expected:
        problems.append(f"status {p.status} disagrees with the amounts")
    if p.succeeded_refunds != p.refunded:
        problems.append(f"refund rows sum to {p.succeeded_refunds}, payment says {p.refunded}")
    return problems


def processor_agrees(p: PaymentFacts) -> list[str]:
    """What the payment's processor holds is what the payment says."""
    seen = p.settlement
    if seen is None:
        return []
    if isinstance(seen, str):
        return [f"the processor could not be asked: {seen}"]
    problems = []
    if seen.captured != p.captured:
        problems.append(f"processor captured {seen.captured}, payment says {p.captured}")
    if seen.refunded is not None and seen.refunded != p.refunded:
        problems.append(f"processor refunded {seen.refunded}, payment says {p.refunded}")
    return problems


def ledger_agrees(p: PaymentFacts, authorization_ttl: timedelta, now: datetime) -> list[str]:
    if not p.ledger_read:
        return []
    operations = Counter(entry["operation"] for entry in p.ledger)
    problems = _holds_agree(p, authorization_ttl, now)
    if operations["capture"] > 1:
        problems.append(f"{operations['capture']} captures at the gateway")
    captured = sum(e["amount"] for e in p.ledger if e["operation"] == "capture")
    # A refund the processor failed after taking it (its webhook reported it) gave the money back.
    refunded = sum(e["amount"] for e in p.ledger if e["operation"] == "refund") - sum(
        e["amount"] for e in p.ledger if e["operation"] == "refund_failed"
    )
    if captured != p.captured:
        problems.append(f"gateway captured {captured}, payment says {p.captured}")
    if refunded != p.refunded:
        problems.append(f"gateway refunded {refunded}, payment says {p.refunded}")
    if refunded > captured:
        problems.append("refunded beyond the capture at the gateway")
    if PaymentStatus(p.status) in AUTHORIZED_ONCE and not operations["authorize"]:
        problems.append("no authorization at the gateway")
    return problems


def _holds_agree(p: PaymentFacts, authorization_ttl: timedelta, now: datetime) -> list[str]:
    """One authorization per processor, and each one ended: captured, voided or expired by
    the processor once the payment is at rest, and in any case within its expiry."""
    problems = []
    for processor in sorted({e.get("processor", "gateway") for e in p.ledger}):
        operations = Counter(
            e["operation"] for e in p.ledger if e.get("processor", "gateway") == processor
        )
        if operations["authorize"] > 1:
            problems.append(f"{operations['authorize']} authorizations at the {processor}")
        ended = operations["capture"] + operations["void"] + operations["expire"]
        if operations["authorize"] <= ended:
            continue
        if PaymentStatus(p.status) in AT_REST:
            problems.append(f"a hold left open at the {processor} on a {p.status} payment")
        elif now - p.created_at > authorization_ttl + AUTHORIZED_GRACE:
            problems.append("an authorization neither captured nor voided past its expiry")
    return problems


def events_agree(p: PaymentFacts) -> list[str]:
    problems = []
    sequences = [sequence for sequence, _, _ in p.outbox]
    last = p.event_sequence if p.event_sequence is not None else len(sequences)
    kept_from = last - len(sequences) + 1  # 1 unless the oldest were purged
    if sequences != list(range(kept_from, last + 1)):
        problems.append(f"outbox sequences {sequences} are not the last of 1..{last}")
    if p.status != PaymentStatus.PENDING and last == 0:
        problems.append("a state change without an event")
    unpublished = [sequence for sequence, _, published in p.outbox if not published]
    if unpublished:
        problems.append(f"events {unpublished} not published yet")
    if p.kafka_ids is not None:
        expected = [event_id for _, event_id, published in p.outbox if published]
        # Purged events were published before: Kafka holds them ahead of the kept ones.
        seen = p.kafka_ids if kept_from == 1 else p.kafka_ids[len(p.kafka_ids) - len(expected) :]
        if seen != expected:
            problems.append(f"kafka holds {len(p.kafka_ids)} ids in another order or set")
    return problems


def deadline_kept(
    p: PaymentFacts,
    authorization_expiry: timedelta,
    now: datetime,
    action_timeout: timedelta,
) -> list[str]:
    """A payment past the time its status may last: PAYMENTS_AUTHORIZATION_EXPIRY_SECONDS for
    a manual authorization, PAYMENTS_ACTION_TIMEOUT_SECONDS waiting for the customer."""
    age = now - p.created_at
    if p.status == PaymentStatus.OUTCOME_UNKNOWN:
        return [f"outcome unknown: an operator resolves it (payment-saga payments resolve {p.id})"]
    if p.status == PaymentStatus.PENDING and age > PENDING_DEADLINE:
        return [f"pending for {age}"]
    if p.status == PaymentStatus.REQUIRES_ACTION and age > action_timeout + ACTION_GRACE:
        return [f"waiting for the customer for {age}, past the action's limit"]
    if p.status == PaymentStatus.AUTHORIZED:
        manual = p.capture_method == CaptureMethod.MANUAL
        limit = authorization_expiry if manual else timedelta(hours=24)
        if age > limit + AUTHORIZED_GRACE:
            return [f"authorized for {age}"]
    return []


def workflow_agrees(p: PaymentFacts) -> list[str]:
    """The payment's workflow and its row tell the same story (after a terminate or a reset
    they may not: `payment-saga payments reconcile --repair` puts them right)."""
    run = p.run
    if not p.runs_read:
        return []
    if run is None:
        # Settled payments outlive their runs (Temporal's retention): the next request on one
        # starts a run from its row. Anything else needs a run driving it.
        return [] if PaymentStatus(p.status) in AT_REST else ["no workflow run"]
    problems = []
    if run.status != "running" and PaymentStatus(p.status) not in AT_REST:
        problems.append(f"its last run is {run.status} but the payment is {p.status}")
    if run.payment_status is not None and run.payment_status != p.status:
        problems.append(f"its run says {run.payment_status}, the row {p.status}")
    moved = (run.captured, run.refunded)
    if run.captured is not None and moved != (p.captured, p.refunded):
        problems.append(
            f"its run says captured/refunded {moved}, the row ({p.captured}, {p.refunded})"
        )
    return problems


def settlement_agrees(p: PaymentFacts) -> list[str]:
    """What a processor settled is what we captured and refunded, item by item (so, once all
    settled, captured less refunded), or a discrepancy says it is not (#32)."""
    problems = []
    if len(p.settled) != p.settlement_shown:
        problems.append(f"{len(p.settled)} items settled, the payment shows {p.settlement_shown}")
    captures = [amount for kind, _, amount in p.settled if kind == "capture"]
    if len(captures) > 1:
        problems.append(f"its capture settled {len(captures)} times")
    for kind, refund_id, amount in p.settled:
        ours = p.captured if kind == "capture" else -p.refund_amounts.get(refund_id or "", 0)
        if amount != ours and refund_id not in p.disputed_by_reconciliation:
            what = "capture" if kind == "capture" else f"refund {refund_id}"
            problems.append(f"its {what} settled {amount}, ours {ours}, and no discrepancy says so")
    return problems
