"""The customer's way back from a processor's page (a 3-D Secure challenge, an approval page):
`GET /v1/payments/{payment_id}/return`, the URL we give the processor as its return URL.

Reached by the customer's browser, so it takes no API key: it moves no money and shows
nothing but where to go next. The payment's run looks at the processor at once (instead of at
its next timed look), then the browser is sent on (303) to the payment's `return_url` with
`payment_id` and `redirect_status` added, as Stripe's redirect adds `payment_intent` and
`redirect_status`. The order service then reads the payment with its key: the status in a URL
a browser carried is a hint, never the truth.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import CommandsDep
from api.responses import error_response
from api.routes.common import PAYMENTS, PaymentId
from payment_saga.db.models import Payment
from payment_saga.domain.states import REFUNDABLE, PaymentStatus
from payment_saga.domain.urls import with_query

router = APIRouter(prefix="/v1")
RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "to the payment's return_url, with payment_id and redirect_status"},
    200: {
        "description": "a payment made without return_url: a page saying how it stands",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    **{status: error_response(status) for status in (400, 404, 422)},
}
# How a customer action ended, for the page the customer lands on.
SUCCEEDED = (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, *REFUNDABLE, PaymentStatus.REFUNDED)
ENDED = (PaymentStatus.FAILED, PaymentStatus.CANCELED)


@router.get(
    "/payments/{payment_id}/return",
    tags=PAYMENTS,
    status_code=303,
    response_class=RedirectResponse,
    responses=RESPONSES,
    summary="The customer's return from a processor's page (no API key)",
)
async def customer_return(
    payment_id: PaymentId, commands: CommandsDep, canceled: bool = False
) -> Response:
    """`canceled`: the processor's cancel link brought the customer (PayPal's "Cancel and
    return"): the payment fails `action_canceled` unless the processor says it is done."""
    payment = await commands.customer_returned(payment_id, canceled)
    if payment.return_url is None:  # a payment made without one never sends anyone here
        return HTMLResponse(f"<p>Payment {redirect_status(payment)}.</p>")
    return RedirectResponse(onward_url(payment.return_url, payment), status_code=303)


def redirect_status(payment: Payment) -> str:
    """`succeeded`, `failed`, or `processing` while nothing is decided yet."""
    status = PaymentStatus(payment.status)
    if status in SUCCEEDED:
        return "succeeded"
    return "failed" if status in ENDED else "processing"


def onward_url(return_url: str, payment: Payment) -> str:
    """The order service's page with `payment_id` and `redirect_status` added to its query."""
    return with_query(
        return_url, {"payment_id": payment.id, "redirect_status": redirect_status(payment)}
    )
