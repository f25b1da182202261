"""Card number checks done at the edge, before tokenization. Pure functions."""

from __future__ import annotations

from datetime import date


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith(("34", "37")):
        return "amex"
    if number.startswith("4"):
        return "visa"
    two, four = int(number[:2] or 0), int(number[:4] or 0)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65")) or 644 <= int(number[:3] or 0) <= 649:
        return "discover"
    return "unknown"


SUPPORTED_BRANDS = ("visa", "mastercard", "amex", "discover")


def cvc_length(brand: str) -> int:
    return 4 if brand == "amex" else 3


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    # A card is good through the last day of its expiry month.
    return (exp_year, exp_month) < (today.year, today.month)
