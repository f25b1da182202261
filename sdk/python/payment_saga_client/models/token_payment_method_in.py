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

T = TypeVar("T", bound="TokenPaymentMethodIn")


@_attrs_define
class TokenPaymentMethodIn:
    """A token the processor issued to the customer's browser, so no card number reaches the
    order service or us (docs/processors.md): a Stripe PaymentMethod id from Stripe Elements,
    or Authorize.Net's Accept.js opaque data as `COMMON.ACCEPT.INAPP.PAYMENT:<dataValue>`.

        Attributes:
            token (str):
            type_ (Literal['token']):
    """

    token: str
    type_: Literal["token"]

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "token": token,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token = d.pop("token")

        type_ = cast(Literal["token"], d.pop("type"))
        if type_ != "token":
            raise ValueError(f"type must match const 'token', got '{type_}'")

        token_payment_method_in = cls(
            token=token,
            type_=type_,
        )

        return token_payment_method_in
