from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.card_in import CardIn


T = TypeVar("T", bound="PaymentMethodIn")


@_attrs_define
class PaymentMethodIn:
    """A card number, tokenized here at the edge (the simulator, and processors' test mode).

    Attributes:
        card (CardIn):
        type_ (Literal['card']):
    """

    card: CardIn
    type_: Literal["card"]

    def to_dict(self) -> dict[str, Any]:
        card = self.card.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "card": card,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.card_in import CardIn

        d = dict(src_dict)
        card = CardIn.from_dict(d.pop("card"))

        type_ = cast(Literal["card"], d.pop("type"))
        if type_ != "card":
            raise ValueError(f"type must match const 'card', got '{type_}'")

        payment_method_in = cls(
            card=card,
            type_=type_,
        )

        return payment_method_in
