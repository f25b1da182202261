from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CardOut")


@_attrs_define
class CardOut:
    """
    Attributes:
        brand (str):
        exp_month (int):
        exp_year (int):
        fingerprint (str):
        last4 (str):
        funding (None | str | Unset):
    """

    brand: str
    exp_month: int
    exp_year: int
    fingerprint: str
    last4: str
    funding: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        brand = self.brand

        exp_month = self.exp_month

        exp_year = self.exp_year

        fingerprint = self.fingerprint

        last4 = self.last4

        funding: None | str | Unset
        if isinstance(self.funding, Unset):
            funding = UNSET
        else:
            funding = self.funding

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "brand": brand,
                "exp_month": exp_month,
                "exp_year": exp_year,
                "fingerprint": fingerprint,
                "last4": last4,
            }
        )
        if funding is not UNSET:
            field_dict["funding"] = funding

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        brand = d.pop("brand")

        exp_month = d.pop("exp_month")

        exp_year = d.pop("exp_year")

        fingerprint = d.pop("fingerprint")

        last4 = d.pop("last4")

        def _parse_funding(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        funding = _parse_funding(d.pop("funding", UNSET))

        card_out = cls(
            brand=brand,
            exp_month=exp_month,
            exp_year=exp_year,
            fingerprint=fingerprint,
            last4=last4,
            funding=funding,
        )

        card_out.additional_properties = d
        return card_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
