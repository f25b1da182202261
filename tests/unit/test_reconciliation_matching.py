"""How a settled item is judged against our books (#32): an item we cannot match is unknown,
another amount or currency is a mismatch, a refund settles negative; each discrepancy's id is
what it is about, so the same day reconciled again finds it instead of opening another."""

from __future__ import annotations

from typing import Literal

from activities.reconciliation import _discrepancy
from payment_saga.db.models import Payment, Refund
from payment_saga.processors.port import SettlementItem


def item(
    kind: Literal["capture", "refund"] = "capture", amount: int = 2500, currency: str = "eur"
) -> SettlementItem:
    return SettlementItem(
        item_id="st_cap_1", kind=kind, authorization_id="auth_1", reference="cap_1",
        amount=amount, fee=103, net=amount - 103, currency=currency,
        settlement_date="2026-12-06", payout_id="po_20261206",
    )  # fmt: skip


PAYMENT = Payment(id="pay_1", amount=2500, amount_captured=2500, currency="EUR")


def test_a_capture_that_settled_what_we_captured_is_no_discrepancy() -> None:
    assert _discrepancy("simulator", "2026-12-06", item(), PAYMENT, None) is None


def test_another_amount_or_currency_is_a_mismatch_keyed_by_our_payment() -> None:
    short = _discrepancy("simulator", "2026-12-06", item(amount=2499), PAYMENT, None)
    other = _discrepancy("simulator", "2026-12-06", item(currency="usd"), PAYMENT, None)

    assert short is not None and (short.id, short.kind) == (
        "simulator:amount_mismatch:pay_1", "amount_mismatch",
    )  # fmt: skip
    assert (short.expected_amount, short.settled_amount) == (2500, 2499)
    assert other is not None and other.kind == "currency_mismatch"


def test_a_refund_settles_negative_and_an_item_not_ours_is_unknown() -> None:
    refund = Refund(id="re_1", payment_id="pay_1", amount=1000)
    assert _discrepancy("simulator", "2026-12-06", item("refund", -1000), PAYMENT, refund) is None
    stranger = _discrepancy("simulator", "2026-12-06", item(), None, None)
    assert stranger is not None and stranger.id == "simulator:unknown_item:st_cap_1"
