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

from ..models.payment_method_in_request_three_d_secure import (
    PaymentMethodInRequestThreeDSecure,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.card_in import CardIn


T = TypeVar("T", bound="PaymentMethodIn")


@_attrs_define
class PaymentMethodIn:
    """A card number, tokenized here at the edge (the simulator, and processors' test mode).

    Attributes:
        card (CardIn):
        type_ (Literal['card']):
        request_three_d_secure (PaymentMethodInRequestThreeDSecure | Unset):  Default:
            PaymentMethodInRequestThreeDSecure.AUTOMATIC.
    """

    card: CardIn
    type_: Literal["card"]
    request_three_d_secure: PaymentMethodInRequestThreeDSecure | Unset = (
        PaymentMethodInRequestThreeDSecure.AUTOMATIC
    )

    def to_dict(self) -> dict[str, Any]:
        card = self.card.to_dict()

        type_ = self.type_

        request_three_d_secure: str | Unset = UNSET
        if not isinstance(self.request_three_d_secure, Unset):
            request_three_d_secure = self.request_three_d_secure.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "card": card,
                "type": type_,
            }
        )
        if request_three_d_secure is not UNSET:
            field_dict["request_three_d_secure"] = request_three_d_secure

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.card_in import CardIn

        d = dict(src_dict)
        card = CardIn.from_dict(d.pop("card"))

        type_ = cast(Literal["card"], d.pop("type"))
        if type_ != "card":
            raise ValueError(f"type must match const 'card', got '{type_}'")

        _request_three_d_secure = d.pop("request_three_d_secure", UNSET)
        request_three_d_secure: PaymentMethodInRequestThreeDSecure | Unset
        if isinstance(_request_three_d_secure, Unset):
            request_three_d_secure = UNSET
        else:
            request_three_d_secure = PaymentMethodInRequestThreeDSecure(
                _request_three_d_secure
            )

        payment_method_in = cls(
            card=card,
            type_=type_,
            request_three_d_secure=request_three_d_secure,
        )

        return payment_method_in
