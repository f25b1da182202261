from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.settled_item_out_kind import SettledItemOutKind

T = TypeVar("T", bound="SettledItemOut")


@_attrs_define
class SettledItemOut:
    """The capture or a refund as the processor settled it (#32): what moved (a refund's
    negative), the fee it kept, what it paid out, when and in which payout.

        Attributes:
            amount (int):
            currency (str):
            fee (int):
            item_id (str):
            kind (SettledItemOutKind):
            net (int):
            payout_id (str):
            refund_id (None | str):
            settlement_date (str):
    """

    amount: int
    currency: str
    fee: int
    item_id: str
    kind: SettledItemOutKind
    net: int
    payout_id: str
    refund_id: None | str
    settlement_date: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        currency = self.currency

        fee = self.fee

        item_id = self.item_id

        kind = self.kind.value

        net = self.net

        payout_id = self.payout_id

        refund_id: None | str
        refund_id = self.refund_id

        settlement_date = self.settlement_date

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "fee": fee,
                "item_id": item_id,
                "kind": kind,
                "net": net,
                "payout_id": payout_id,
                "refund_id": refund_id,
                "settlement_date": settlement_date,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        fee = d.pop("fee")

        item_id = d.pop("item_id")

        kind = SettledItemOutKind(d.pop("kind"))

        net = d.pop("net")

        payout_id = d.pop("payout_id")

        def _parse_refund_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refund_id = _parse_refund_id(d.pop("refund_id"))

        settlement_date = d.pop("settlement_date")

        settled_item_out = cls(
            amount=amount,
            currency=currency,
            fee=fee,
            item_id=item_id,
            kind=kind,
            net=net,
            payout_id=payout_id,
            refund_id=refund_id,
            settlement_date=settlement_date,
        )

        settled_item_out.additional_properties = d
        return settled_item_out

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
