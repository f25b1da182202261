from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.capture_method import CaptureMethod
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pay_pal_method_in import PayPalMethodIn
    from ..models.payment_create_metadata import PaymentCreateMetadata
    from ..models.payment_method_in import PaymentMethodIn
    from ..models.token_payment_method_in import TokenPaymentMethodIn


T = TypeVar("T", bound="PaymentCreate")


@_attrs_define
class PaymentCreate:
    """
    Attributes:
        amount (int):
        currency (str):
        order_id (str):
        payment_method (PaymentMethodIn | PayPalMethodIn | TokenPaymentMethodIn):
        capture_method (CaptureMethod | Unset):
        customer_id (None | str | Unset):
        description (None | str | Unset):
        metadata (PaymentCreateMetadata | Unset):
        return_url (None | str | Unset):
    """

    amount: int
    currency: str
    order_id: str
    payment_method: PaymentMethodIn | PayPalMethodIn | TokenPaymentMethodIn
    capture_method: CaptureMethod | Unset = UNSET
    customer_id: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    metadata: PaymentCreateMetadata | Unset = UNSET
    return_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.payment_method_in import PaymentMethodIn
        from ..models.token_payment_method_in import TokenPaymentMethodIn

        amount = self.amount

        currency = self.currency

        order_id = self.order_id

        payment_method: dict[str, Any]
        if isinstance(self.payment_method, PaymentMethodIn) or isinstance(
            self.payment_method, TokenPaymentMethodIn
        ):
            payment_method = self.payment_method.to_dict()
        else:
            payment_method = self.payment_method.to_dict()

        capture_method: str | Unset = UNSET
        if not isinstance(self.capture_method, Unset):
            capture_method = self.capture_method.value

        customer_id: None | str | Unset
        if isinstance(self.customer_id, Unset):
            customer_id = UNSET
        else:
            customer_id = self.customer_id

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        return_url: None | str | Unset
        if isinstance(self.return_url, Unset):
            return_url = UNSET
        else:
            return_url = self.return_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "order_id": order_id,
                "payment_method": payment_method,
            }
        )
        if capture_method is not UNSET:
            field_dict["capture_method"] = capture_method
        if customer_id is not UNSET:
            field_dict["customer_id"] = customer_id
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if return_url is not UNSET:
            field_dict["return_url"] = return_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pay_pal_method_in import PayPalMethodIn
        from ..models.payment_create_metadata import PaymentCreateMetadata
        from ..models.payment_method_in import PaymentMethodIn
        from ..models.token_payment_method_in import TokenPaymentMethodIn

        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        order_id = d.pop("order_id")

        def _parse_payment_method(
            data: object,
        ) -> PaymentMethodIn | PayPalMethodIn | TokenPaymentMethodIn:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payment_method_type_0 = PaymentMethodIn.from_dict(data)

                return payment_method_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payment_method_type_1 = TokenPaymentMethodIn.from_dict(data)

                return payment_method_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            payment_method_type_2 = PayPalMethodIn.from_dict(data)

            return payment_method_type_2

        payment_method = _parse_payment_method(d.pop("payment_method"))

        _capture_method = d.pop("capture_method", UNSET)
        capture_method: CaptureMethod | Unset
        if isinstance(_capture_method, Unset):
            capture_method = UNSET
        else:
            capture_method = CaptureMethod(_capture_method)

        def _parse_customer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        customer_id = _parse_customer_id(d.pop("customer_id", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: PaymentCreateMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PaymentCreateMetadata.from_dict(_metadata)

        def _parse_return_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        return_url = _parse_return_url(d.pop("return_url", UNSET))

        payment_create = cls(
            amount=amount,
            currency=currency,
            order_id=order_id,
            payment_method=payment_method,
            capture_method=capture_method,
            customer_id=customer_id,
            description=description,
            metadata=metadata,
            return_url=return_url,
        )

        return payment_create
