from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define

T = TypeVar("T", bound="PayPalMethodIn")


@_attrs_define
class PayPalMethodIn:
    """PayPal: the payer approves on PayPal's page (`next_action`), so `return_url` is needed.

    Attributes:
        type_ (Literal['paypal']):
    """

    type_: Literal["paypal"]

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = cast(Literal["paypal"], d.pop("type"))
        if type_ != "paypal":
            raise ValueError(f"type must match const 'paypal', got '{type_}'")

        pay_pal_method_in = cls(
            type_=type_,
        )

        return pay_pal_method_in
