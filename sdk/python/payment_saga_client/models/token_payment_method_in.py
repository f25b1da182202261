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

from ..models.token_payment_method_in_request_three_d_secure import (
    TokenPaymentMethodInRequestThreeDSecure,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenPaymentMethodIn")


@_attrs_define
class TokenPaymentMethodIn:
    """A token the processor issued to the customer's browser, so no card number reaches the
    order service or us (docs/processors.md): a Stripe PaymentMethod id from Stripe Elements,
    or Authorize.Net's Accept.js opaque data as `COMMON.ACCEPT.INAPP.PAYMENT:<dataValue>`.

        Attributes:
            token (str):
            type_ (Literal['token']):
            request_three_d_secure (TokenPaymentMethodInRequestThreeDSecure | Unset):  Default:
                TokenPaymentMethodInRequestThreeDSecure.AUTOMATIC.
    """

    token: str
    type_: Literal["token"]
    request_three_d_secure: TokenPaymentMethodInRequestThreeDSecure | Unset = (
        TokenPaymentMethodInRequestThreeDSecure.AUTOMATIC
    )

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        type_ = self.type_

        request_three_d_secure: str | Unset = UNSET
        if not isinstance(self.request_three_d_secure, Unset):
            request_three_d_secure = self.request_three_d_secure.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "token": token,
                "type": type_,
            }
        )
        if request_three_d_secure is not UNSET:
            field_dict["request_three_d_secure"] = request_three_d_secure

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token = d.pop("token")

        type_ = cast(Literal["token"], d.pop("type"))
        if type_ != "token":
            raise ValueError(f"type must match const 'token', got '{type_}'")

        _request_three_d_secure = d.pop("request_three_d_secure", UNSET)
        request_three_d_secure: TokenPaymentMethodInRequestThreeDSecure | Unset
        if isinstance(_request_three_d_secure, Unset):
            request_three_d_secure = UNSET
        else:
            request_three_d_secure = TokenPaymentMethodInRequestThreeDSecure(
                _request_three_d_secure
            )

        token_payment_method_in = cls(
            token=token,
            type_=type_,
            request_three_d_secure=request_three_d_secure,
        )

        return token_payment_method_in
