from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CardMethod")


@_attrs_define
class CardMethod:
    """
    Attributes:
        brands (list[str]):
        processors (list[str]):
        three_d_secure (bool):
    """

    brands: list[str]
    processors: list[str]
    three_d_secure: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        brands = self.brands

        processors = self.processors

        three_d_secure = self.three_d_secure

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "brands": brands,
                "processors": processors,
                "three_d_secure": three_d_secure,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        brands = cast(list[str], d.pop("brands"))

        processors = cast(list[str], d.pop("processors"))

        three_d_secure = d.pop("three_d_secure")

        card_method = cls(
            brands=brands,
            processors=processors,
            three_d_secure=three_d_secure,
        )

        card_method.additional_properties = d
        return card_method

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
