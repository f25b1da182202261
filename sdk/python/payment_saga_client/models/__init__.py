"""Contains all the data models used in inputs/outputs"""

from .cancel_body import CancelBody
from .capture_body import CaptureBody
from .capture_method import CaptureMethod
from .card_in import CardIn
from .card_method import CardMethod
from .card_out import CardOut
from .dispute_out import DisputeOut
from .dispute_out_status import DisputeOutStatus
from .error_detail import ErrorDetail
from .error_detail_type import ErrorDetailType
from .error_out import ErrorOut
from .failure_out import FailureOut
from .get_health_response_gethealth import GetHealthResponseGethealth
from .get_service_info_response_getserviceinfo import (
    GetServiceInfoResponseGetserviceinfo,
)
from .next_action import NextAction
from .pay_pal_method_in import PayPalMethodIn
from .payment_create import PaymentCreate
from .payment_create_metadata import PaymentCreateMetadata
from .payment_list import PaymentList
from .payment_method_in import PaymentMethodIn
from .payment_method_in_request_three_d_secure import PaymentMethodInRequestThreeDSecure
from .payment_method_info import PaymentMethodInfo
from .payment_method_info_type import PaymentMethodInfoType
from .payment_method_list import PaymentMethodList
from .payment_method_out import PaymentMethodOut
from .payment_method_out_type import PaymentMethodOutType
from .payment_out import PaymentOut
from .payment_out_metadata import PaymentOutMetadata
from .payment_status import PaymentStatus
from .redirect_to_url import RedirectToUrl
from .refund_create import RefundCreate
from .refund_create_reason_type_0 import RefundCreateReasonType0
from .refund_list import RefundList
from .refund_out import RefundOut
from .refund_status import RefundStatus
from .settled_item_out import SettledItemOut
from .settled_item_out_kind import SettledItemOutKind
from .settlement_out import SettlementOut
from .timeline import Timeline
from .timeline_entry import TimelineEntry
from .timeline_entry_detail import TimelineEntryDetail
from .timeline_entry_kind import TimelineEntryKind
from .token_payment_method_in import TokenPaymentMethodIn
from .token_payment_method_in_request_three_d_secure import (
    TokenPaymentMethodInRequestThreeDSecure,
)
from .webhook_receipt import WebhookReceipt
from .workflow_link import WorkflowLink

__all__ = (
    "CancelBody",
    "CaptureBody",
    "CaptureMethod",
    "CardIn",
    "CardMethod",
    "CardOut",
    "DisputeOut",
    "DisputeOutStatus",
    "ErrorDetail",
    "ErrorDetailType",
    "ErrorOut",
    "FailureOut",
    "GetHealthResponseGethealth",
    "GetServiceInfoResponseGetserviceinfo",
    "NextAction",
    "PayPalMethodIn",
    "PaymentCreate",
    "PaymentCreateMetadata",
    "PaymentList",
    "PaymentMethodIn",
    "PaymentMethodInRequestThreeDSecure",
    "PaymentMethodInfo",
    "PaymentMethodInfoType",
    "PaymentMethodList",
    "PaymentMethodOut",
    "PaymentMethodOutType",
    "PaymentOut",
    "PaymentOutMetadata",
    "PaymentStatus",
    "RedirectToUrl",
    "RefundCreate",
    "RefundCreateReasonType0",
    "RefundList",
    "RefundOut",
    "RefundStatus",
    "SettledItemOut",
    "SettledItemOutKind",
    "SettlementOut",
    "Timeline",
    "TimelineEntry",
    "TimelineEntryDetail",
    "TimelineEntryKind",
    "TokenPaymentMethodIn",
    "TokenPaymentMethodInRequestThreeDSecure",
    "WebhookReceipt",
    "WorkflowLink",
)
