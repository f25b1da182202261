from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CardIn")


@_attrs_define
class CardIn:
    """
    Attributes:
        cvc (str):
        exp_month (int):
        exp_year (int):
        number (str): The card number, digits only; test cards: docs/test-cards.md
        holder_name (None | str | Unset):
    """

    cvc: str
    exp_month: int
    exp_year: int
    number: str
    holder_name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        cvc = self.cvc

        exp_month = self.exp_month

        exp_year = self.exp_year

        number = self.number

        holder_name: None | str | Unset
        if isinstance(self.holder_name, Unset):
            holder_name = UNSET
        else:
            holder_name = self.holder_name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "cvc": cvc,
                "exp_month": exp_month,
                "exp_year": exp_year,
                "number": number,
            }
        )
        if holder_name is not UNSET:
            field_dict["holder_name"] = holder_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        cvc = d.pop("cvc")

        exp_month = d.pop("exp_month")

        exp_year = d.pop("exp_year")

        number = d.pop("number")

        def _parse_holder_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        holder_name = _parse_holder_name(d.pop("holder_name", UNSET))

        card_in = cls(
            cvc=cvc,
            exp_month=exp_month,
            exp_year=exp_year,
            number=number,
            holder_name=holder_name,
        )

        return card_in
