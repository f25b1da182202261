"""Money as integer minor units of an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# ISO 4217 active codes -> minor-unit exponent. Codes with exponent 0 or 3 are spelled out;
# the rest use 2. Funds and precious metals (XAU, XDR...) are deliberately absent.
_EXPONENT_0 = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
    "VND", "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip
_EXPONENT_3 = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_EXPONENT_2 = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR",
    "ZMW", "ZWG",
}  # fmt: skip
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_EXPONENT_2, 2),
    **dict.fromkeys(_EXPONENT_0, 0),
    **dict.fromkeys(_EXPONENT_3, 3),
}
# The largest amount we accept, in minor units: fits a signed 64-bit column with room to add.
MAX_AMOUNT = 10**15


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown ISO 4217 currency {currency!r}") from None


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True is not one cent.
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("amount must be an integer number of minor units")
        if not 0 <= self.amount <= MAX_AMOUNT:
            raise MoneyError(f"amount must be between 0 and {MAX_AMOUNT}")
        exponent(self.currency)

    def __str__(self) -> str:
        digits = exponent(self.currency)
        if digits == 0:
            return f"{self.amount} {self.currency}"
        whole, fraction = divmod(self.amount, 10**digits)
        return f"{whole}.{fraction:0{digits}d} {self.currency}"


def to_decimal(amount: int, currency: str) -> str:
    """Minor units as a processor's decimal string: 2500 USD is "25.00", 500 JPY is "500"."""
    digits = exponent(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def from_decimal(value: str, currency: str) -> int:
    """A processor's decimal string as minor units; one finer than the currency allows is an
    error, never rounded."""
    minor = Decimal(value).scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise MoneyError(f"{value} {currency} is finer than the currency's minor unit")
    return int(minor)


def format_amount(amount: int, currency: str) -> str:
    """For people: "12.34 USD"; never raises, so it is safe inside a workflow."""
    try:
        return str(Money(amount, currency))
    except MoneyError:
        return f"{amount} {currency} (minor units)"
