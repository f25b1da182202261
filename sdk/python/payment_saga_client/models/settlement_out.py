from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.settled_item_out import SettledItemOut


T = TypeVar("T", bound="SettlementOut")


@_attrs_define
class SettlementOut:
    """What the processor settled for the payment so far: sums of `items` (captures less
    refunds), from the settlement reports reconciliation read (docs/operations.md).

        Attributes:
            amount (int):
            currency (str):
            fee (int):
            items (list[SettledItemOut]):
            net (int):
    """

    amount: int
    currency: str
    fee: int
    items: list[SettledItemOut]
    net: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        currency = self.currency

        fee = self.fee

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        net = self.net

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "fee": fee,
                "items": items,
                "net": net,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.settled_item_out import SettledItemOut

        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        fee = d.pop("fee")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = SettledItemOut.from_dict(items_item_data)

            items.append(items_item)

        net = d.pop("net")

        settlement_out = cls(
            amount=amount,
            currency=currency,
            fee=fee,
            items=items,
            net=net,
        )

        settlement_out.additional_properties = d
        return settlement_out

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
