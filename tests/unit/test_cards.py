from __future__ import annotations

from datetime import date

import pytest

from payment_saga.domain.cards import brand_of, cvc_length, is_expired, luhn_valid
from payment_saga.domain.keys import authorize_key, capture_key, refund_key, void_key


@pytest.mark.parametrize(
    ("number", "brand"),
    [("4242424242424242", "visa"), ("5555555555554444", "mastercard"),
     ("378282246310005", "amex"), ("6011111111111117", "discover")],
)  # fmt: skip
def test_brand_and_luhn(number: str, brand: str) -> None:
    assert luhn_valid(number)
    assert brand_of(number) == brand


@pytest.mark.parametrize("number", ["4242424242424241", "42424242", "4242-4242-4242-4242", ""])
def test_luhn_refuses_bad_numbers(number: str) -> None:
    assert not luhn_valid(number)


def test_amex_takes_four_digit_cvc() -> None:
    assert (cvc_length("amex"), cvc_length("visa")) == (4, 3)


def test_card_is_good_through_its_expiry_month() -> None:
    today = date(2026, 11, 25)
    assert not is_expired(11, 2026, today)
    assert is_expired(10, 2026, today)


def test_each_step_has_its_own_stable_key() -> None:
    keys = {authorize_key("p"), capture_key("p"), void_key("p"), refund_key("p", "r")}
    assert len(keys) == 4
    assert refund_key("p", "r") == refund_key("p", "r")
