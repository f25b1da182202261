from __future__ import annotations

import pytest

from payment_saga.domain.money import (
    MAX_AMOUNT,
    Money,
    MoneyError,
    exponent,
    format_amount,
    is_currency,
)


@pytest.mark.parametrize(("currency", "digits"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_exponent_follows_iso_4217(currency: str, digits: int) -> None:
    assert exponent(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(1234, "USD", "12.34 USD"), (5, "USD", "0.05 USD"), (500, "JPY", "500 JPY"),
     (1005, "KWD", "1.005 KWD")],
)  # fmt: skip
def test_money_prints_in_major_units(amount: int, currency: str, text: str) -> None:
    assert str(Money(amount, currency)) == text


@pytest.mark.parametrize("amount", [1.5, True, "100", -1, MAX_AMOUNT + 1])
def test_money_refuses_what_is_not_minor_units(amount: object) -> None:
    with pytest.raises(MoneyError):
        Money(amount, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["usd", "XXX", "US", "XAU", ""])
def test_unknown_currencies_are_refused(code: str) -> None:
    assert not is_currency(code)
    with pytest.raises(MoneyError):
        Money(100, code)


def test_format_amount_never_raises() -> None:
    assert format_amount(100, "???") == "100 ??? (minor units)"


def test_processor_decimal_strings_round_trip_exactly() -> None:
    from payment_saga.domain.money import from_decimal, to_decimal

    assert [to_decimal(2500, "USD"), to_decimal(500, "JPY"), to_decimal(1234, "KWD")] == [
        "25.00", "500", "1.234",
    ]  # fmt: skip
    read = [from_decimal("25.00", "USD"), from_decimal("500", "JPY"), from_decimal("0.1", "USD")]
    assert read == [2500, 500, 10]
    with pytest.raises(MoneyError):
        from_decimal("25.001", "USD")  # finer than a cent: never rounded
