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
from attrs import field as _attrs_field

from ..models.refund_status import RefundStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.failure_out import FailureOut


T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """
    Attributes:
        amount (int):
        created_at (str):
        currency (str):
        failure (FailureOut | None):
        id (str):
        object_ (Literal['refund']):
        payment_id (str):
        reason (None | str):
        status (RefundStatus):
        gateway_reference (None | str | Unset):
    """

    amount: int
    created_at: str
    currency: str
    failure: FailureOut | None
    id: str
    object_: Literal["refund"]
    payment_id: str
    reason: None | str
    status: RefundStatus
    gateway_reference: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.failure_out import FailureOut

        amount = self.amount

        created_at = self.created_at

        currency = self.currency

        failure: dict[str, Any] | None
        if isinstance(self.failure, FailureOut):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        id = self.id

        object_ = self.object_

        payment_id = self.payment_id

        reason: None | str
        reason = self.reason

        status = self.status.value

        gateway_reference: None | str | Unset
        if isinstance(self.gateway_reference, Unset):
            gateway_reference = UNSET
        else:
            gateway_reference = self.gateway_reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "created_at": created_at,
                "currency": currency,
                "failure": failure,
                "id": id,
                "object": object_,
                "payment_id": payment_id,
                "reason": reason,
                "status": status,
            }
        )
        if gateway_reference is not UNSET:
            field_dict["gateway_reference"] = gateway_reference

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.failure_out import FailureOut

        d = dict(src_dict)
        amount = d.pop("amount")

        created_at = d.pop("created_at")

        currency = d.pop("currency")

        def _parse_failure(data: object) -> FailureOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                failure_type_0 = FailureOut.from_dict(data)

                return failure_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FailureOut | None, data)

        failure = _parse_failure(d.pop("failure"))

        id = d.pop("id")

        object_ = cast(Literal["refund"], d.pop("object"))
        if object_ != "refund":
            raise ValueError(f"object must match const 'refund', got '{object_}'")

        payment_id = d.pop("payment_id")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        status = RefundStatus(d.pop("status"))

        def _parse_gateway_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_reference = _parse_gateway_reference(d.pop("gateway_reference", UNSET))

        refund_out = cls(
            amount=amount,
            created_at=created_at,
            currency=currency,
            failure=failure,
            id=id,
            object_=object_,
            payment_id=payment_id,
            reason=reason,
            status=status,
            gateway_reference=gateway_reference,
        )

        refund_out.additional_properties = d
        return refund_out

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
