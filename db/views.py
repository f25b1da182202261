"""Rows as the API and the events show them. Card data is brand, last4, expiry, fingerprint."""

from __future__ import annotations

from typing import Any

from db.models import Payment, Refund


def _failure(code: str | None, message: str | None, decline_code: str | None) -> Any:
    if code is None:
        return None
    return {"code": code, "decline_code": decline_code, "message": message}


def payment_view(payment: Payment, temporal_ui_url: str, namespace: str) -> dict[str, Any]:
    return {
        "id": payment.id,
        "object": "payment",
        "order_id": payment.order_id,
        "customer_id": payment.customer_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "capture_method": payment.capture_method,
        "amount_authorized": payment.amount_authorized,
        "amount_captured": payment.amount_captured,
        "amount_refunded": payment.amount_refunded,
        "payment_method": {
            "type": "card",
            "card": {
                "brand": payment.card_brand,
                "last4": payment.card_last4,
                "exp_month": payment.card_exp_month,
                "exp_year": payment.card_exp_year,
                "fingerprint": payment.card_fingerprint,
            },
        },
        "failure": _failure(
            payment.failure_code, payment.failure_message, payment.failure_decline_code
        ),
        "gateway_reference": payment.gateway_reference,
        "description": payment.description,
        "metadata": payment.metadata_,
        "created_at": payment.created_at.isoformat(),
        "updated_at": payment.updated_at.isoformat(),
        "workflow": {
            "id": payment.id,
            "run_id": payment.workflow_run_id,
            "ui_url": f"{temporal_ui_url}/namespaces/{namespace}/workflows/{payment.id}",
        },
    }


def refund_view(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "payment_id": refund.payment_id,
        "amount": refund.amount,
        "currency": refund.currency,
        "status": refund.status,
        "reason": refund.reason,
        "failure": _failure(refund.failure_code, refund.failure_message, None),
        "created_at": refund.created_at.isoformat(),
    }
