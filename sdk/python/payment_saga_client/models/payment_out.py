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

from ..models.capture_method import CaptureMethod
from ..models.payment_status import PaymentStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dispute_out import DisputeOut
    from ..models.failure_out import FailureOut
    from ..models.next_action import NextAction
    from ..models.payment_method_out import PaymentMethodOut
    from ..models.payment_out_metadata import PaymentOutMetadata
    from ..models.settlement_out import SettlementOut
    from ..models.workflow_link import WorkflowLink


T = TypeVar("T", bound="PaymentOut")


@_attrs_define
class PaymentOut:
    """
    Attributes:
        account_id (str):
        amount (int):
        amount_authorized (int):
        amount_captured (int):
        amount_refunded (int):
        capture_method (CaptureMethod):
        created_at (str):
        currency (str):
        customer_id (None | str):
        description (None | str):
        failure (FailureOut | None):
        gateway_reference (None | str):
        id (str):
        metadata (PaymentOutMetadata):
        object_ (Literal['payment']):
        order_id (str):
        payment_method (PaymentMethodOut):
        status (PaymentStatus):
        updated_at (str):
        workflow (WorkflowLink):
        dispute (DisputeOut | None | Unset):
        disputed (bool | Unset):  Default: False.
        next_action (NextAction | None | Unset):
        processor (None | str | Unset):
        return_url (None | str | Unset):
        settlement (None | SettlementOut | Unset):
    """

    account_id: str
    amount: int
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    capture_method: CaptureMethod
    created_at: str
    currency: str
    customer_id: None | str
    description: None | str
    failure: FailureOut | None
    gateway_reference: None | str
    id: str
    metadata: PaymentOutMetadata
    object_: Literal["payment"]
    order_id: str
    payment_method: PaymentMethodOut
    status: PaymentStatus
    updated_at: str
    workflow: WorkflowLink
    dispute: DisputeOut | None | Unset = UNSET
    disputed: bool | Unset = False
    next_action: NextAction | None | Unset = UNSET
    processor: None | str | Unset = UNSET
    return_url: None | str | Unset = UNSET
    settlement: None | SettlementOut | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dispute_out import DisputeOut
        from ..models.failure_out import FailureOut
        from ..models.next_action import NextAction
        from ..models.settlement_out import SettlementOut

        account_id = self.account_id

        amount = self.amount

        amount_authorized = self.amount_authorized

        amount_captured = self.amount_captured

        amount_refunded = self.amount_refunded

        capture_method = self.capture_method.value

        created_at = self.created_at

        currency = self.currency

        customer_id: None | str
        customer_id = self.customer_id

        description: None | str
        description = self.description

        failure: dict[str, Any] | None
        if isinstance(self.failure, FailureOut):
            failure = self.failure.to_dict()
        else:
            failure = self.failure

        gateway_reference: None | str
        gateway_reference = self.gateway_reference

        id = self.id

        metadata = self.metadata.to_dict()

        object_ = self.object_

        order_id = self.order_id

        payment_method = self.payment_method.to_dict()

        status = self.status.value

        updated_at = self.updated_at

        workflow = self.workflow.to_dict()

        dispute: dict[str, Any] | None | Unset
        if isinstance(self.dispute, Unset):
            dispute = UNSET
        elif isinstance(self.dispute, DisputeOut):
            dispute = self.dispute.to_dict()
        else:
            dispute = self.dispute

        disputed = self.disputed

        next_action: dict[str, Any] | None | Unset
        if isinstance(self.next_action, Unset):
            next_action = UNSET
        elif isinstance(self.next_action, NextAction):
            next_action = self.next_action.to_dict()
        else:
            next_action = self.next_action

        processor: None | str | Unset
        if isinstance(self.processor, Unset):
            processor = UNSET
        else:
            processor = self.processor

        return_url: None | str | Unset
        if isinstance(self.return_url, Unset):
            return_url = UNSET
        else:
            return_url = self.return_url

        settlement: dict[str, Any] | None | Unset
        if isinstance(self.settlement, Unset):
            settlement = UNSET
        elif isinstance(self.settlement, SettlementOut):
            settlement = self.settlement.to_dict()
        else:
            settlement = self.settlement

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "amount": amount,
                "amount_authorized": amount_authorized,
                "amount_captured": amount_captured,
                "amount_refunded": amount_refunded,
                "capture_method": capture_method,
                "created_at": created_at,
                "currency": currency,
                "customer_id": customer_id,
                "description": description,
                "failure": failure,
                "gateway_reference": gateway_reference,
                "id": id,
                "metadata": metadata,
                "object": object_,
                "order_id": order_id,
                "payment_method": payment_method,
                "status": status,
                "updated_at": updated_at,
                "workflow": workflow,
            }
        )
        if dispute is not UNSET:
            field_dict["dispute"] = dispute
        if disputed is not UNSET:
            field_dict["disputed"] = disputed
        if next_action is not UNSET:
            field_dict["next_action"] = next_action
        if processor is not UNSET:
            field_dict["processor"] = processor
        if return_url is not UNSET:
            field_dict["return_url"] = return_url
        if settlement is not UNSET:
            field_dict["settlement"] = settlement

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dispute_out import DisputeOut
        from ..models.failure_out import FailureOut
        from ..models.next_action import NextAction
        from ..models.payment_method_out import PaymentMethodOut
        from ..models.payment_out_metadata import PaymentOutMetadata
        from ..models.settlement_out import SettlementOut
        from ..models.workflow_link import WorkflowLink

        d = dict(src_dict)
        account_id = d.pop("account_id")

        amount = d.pop("amount")

        amount_authorized = d.pop("amount_authorized")

        amount_captured = d.pop("amount_captured")

        amount_refunded = d.pop("amount_refunded")

        capture_method = CaptureMethod(d.pop("capture_method"))

        created_at = d.pop("created_at")

        currency = d.pop("currency")

        def _parse_customer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        customer_id = _parse_customer_id(d.pop("customer_id"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

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

        def _parse_gateway_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gateway_reference = _parse_gateway_reference(d.pop("gateway_reference"))

        id = d.pop("id")

        metadata = PaymentOutMetadata.from_dict(d.pop("metadata"))

        object_ = cast(Literal["payment"], d.pop("object"))
        if object_ != "payment":
            raise ValueError(f"object must match const 'payment', got '{object_}'")

        order_id = d.pop("order_id")

        payment_method = PaymentMethodOut.from_dict(d.pop("payment_method"))

        status = PaymentStatus(d.pop("status"))

        updated_at = d.pop("updated_at")

        workflow = WorkflowLink.from_dict(d.pop("workflow"))

        def _parse_dispute(data: object) -> DisputeOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                dispute_type_0 = DisputeOut.from_dict(data)

                return dispute_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DisputeOut | None | Unset, data)

        dispute = _parse_dispute(d.pop("dispute", UNSET))

        disputed = d.pop("disputed", UNSET)

        def _parse_next_action(data: object) -> NextAction | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_action_type_0 = NextAction.from_dict(data)

                return next_action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NextAction | None | Unset, data)

        next_action = _parse_next_action(d.pop("next_action", UNSET))

        def _parse_processor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        processor = _parse_processor(d.pop("processor", UNSET))

        def _parse_return_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        return_url = _parse_return_url(d.pop("return_url", UNSET))

        def _parse_settlement(data: object) -> None | SettlementOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                settlement_type_0 = SettlementOut.from_dict(data)

                return settlement_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SettlementOut | Unset, data)

        settlement = _parse_settlement(d.pop("settlement", UNSET))

        payment_out = cls(
            account_id=account_id,
            amount=amount,
            amount_authorized=amount_authorized,
            amount_captured=amount_captured,
            amount_refunded=amount_refunded,
            capture_method=capture_method,
            created_at=created_at,
            currency=currency,
            customer_id=customer_id,
            description=description,
            failure=failure,
            gateway_reference=gateway_reference,
            id=id,
            metadata=metadata,
            object_=object_,
            order_id=order_id,
            payment_method=payment_method,
            status=status,
            updated_at=updated_at,
            workflow=workflow,
            dispute=dispute,
            disputed=disputed,
            next_action=next_action,
            processor=processor,
            return_url=return_url,
            settlement=settlement,
        )

        payment_out.additional_properties = d
        return payment_out

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
