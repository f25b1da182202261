from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payment_saga.domain.states import (
    ALLOWED_TRANSITIONS,
    FINAL_STATUSES,
    Ledger,
    PaymentStatus,
    TransitionError,
    cancel_refunds,
    refund_window_closed,
)

S = PaymentStatus


def captured(amount: int = 1000, captured: int = 1000) -> Ledger:
    return Ledger(S.PENDING, amount).authorize(amount).capture(captured)


def test_happy_path_through_partial_refunds() -> None:
    ledger = captured().refund(300)
    assert (ledger.status, ledger.refunded, ledger.refundable) == (S.PARTIALLY_REFUNDED, 300, 700)
    ledger = ledger.refund(700)
    assert (ledger.status, ledger.refundable) == (S.REFUNDED, 0)


def test_partial_capture_limits_refunds() -> None:
    ledger = captured(1000, 600)
    with pytest.raises(TransitionError) as caught:
        ledger.refund(601)
    assert caught.value.code == "amount_exceeds_refundable"


@pytest.mark.parametrize("amount", [0, 1001])
def test_capture_must_be_within_the_authorization(amount: int) -> None:
    with pytest.raises(TransitionError) as caught:
        Ledger(S.PENDING, 1000).authorize(1000).capture(amount)
    assert caught.value.code == "amount_exceeds_authorized"


def test_capture_twice_is_refused() -> None:
    with pytest.raises(TransitionError) as caught:
        captured().capture(1000)
    assert caught.value.code == "payment_not_capturable"


def test_pending_cannot_be_captured() -> None:
    with pytest.raises(TransitionError):
        Ledger(S.PENDING, 100).capture(100)


def test_pending_is_canceled_when_an_operator_cancels_during_authorization() -> None:
    assert Ledger(S.PENDING, 100).cancel().status is S.CANCELED


def test_outcome_unknown_returns_to_where_the_amounts_stand() -> None:
    authorized = Ledger(S.PENDING, 100).authorize(100)
    assert authorized.unknown().resolved() == authorized
    assert authorized.unknown().resolved().capture(100).status is S.CAPTURED
    assert captured(100, 100).unknown().resolved() == captured(100, 100)
    partly = captured(100, 100).refund(40)
    assert partly.unknown().resolved().refund(60).status is S.REFUNDED
    assert not S.OUTCOME_UNKNOWN.is_final()


def test_outcome_unknown_allows_nothing_but_resolution() -> None:
    unknown = captured(100, 100).unknown()
    for change in (unknown.refund, unknown.capture):
        with pytest.raises(TransitionError):
            change(10)
    with pytest.raises(TransitionError):
        unknown.cancel()
    # A pending payment becomes unknown only through its void (an authorization whose answer
    # was lost, found, then not voidable): resolved, it is an authorization to release.
    assert Ledger(S.PENDING, 100).unknown().resolved().cancel().status is S.CANCELED


@pytest.mark.parametrize("status", [*sorted(FINAL_STATUSES), S.OUTCOME_UNKNOWN])
def test_final_states_go_nowhere(status: PaymentStatus) -> None:
    assert ALLOWED_TRANSITIONS[status] == frozenset()


def test_authorize_beyond_the_amount_breaks_the_invariant() -> None:
    with pytest.raises(TransitionError) as caught:
        Ledger(S.PENDING, 100).authorize(101)
    assert caught.value.code == "invariant_violated"


def test_failed_and_canceled_come_from_pending_or_authorized() -> None:
    assert Ledger(S.PENDING, 100).fail().status is S.FAILED
    assert Ledger(S.PENDING, 100).authorize(100).fail().status is S.FAILED
    assert Ledger(S.PENDING, 100).authorize(100).cancel().status is S.CANCELED
    with pytest.raises(TransitionError):
        captured().fail()


def test_the_state_is_judged_before_the_amount() -> None:
    """A capture while still authorizing (a race the order service can lose) said
    amount_exceeds_authorized; it is payment_not_capturable, and a refund of an uncaptured
    payment payment_not_refundable, whatever the amount."""
    with pytest.raises(TransitionError) as caught:
        Ledger(S.PENDING, 1000).capture(800)
    assert caught.value.code == "payment_not_capturable"
    with pytest.raises(TransitionError) as caught:
        Ledger(S.PENDING, 1000).authorize(1000).refund(10)
    assert caught.value.code == "payment_not_refundable"


def test_the_refund_window_is_judged_by_one_rule() -> None:
    """The edge (on the row) and the run (on its clock) both ask this rule: it was written
    twice, once in steering and once in the workflow."""
    captured = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    day = 24 * 3600
    assert refund_window_closed(None, day, captured + timedelta(days=400)) is None
    assert refund_window_closed(captured, day, captured + timedelta(hours=23)) is None
    closed = refund_window_closed(captured, day, captured + timedelta(days=1))
    assert closed == "the refund window closed at 2026-12-02 12:00 UTC"


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_only_canceling_captured_funds_moves_money(status: PaymentStatus) -> None:
    """What needs the refund scope at the edge and in the run alike."""
    moves_money = status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
    assert cancel_refunds(status) is moves_money
