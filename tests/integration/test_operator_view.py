"""What operators rely on: searchable runs, ciphertext at rest, a codec server that decodes."""

from __future__ import annotations

import asyncio
import base64
import uuid

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client, WorkflowHandle

from payment_saga.config import Settings
from payment_saga.domain.messages import CaptureRequest, RefundRequest
from payment_saga.domain.states import CaptureMethod
from tests.integration.conftest import Payments
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


async def found_by_search(temporal: Client, order_id: str, status: str) -> bool:
    query = f'OrderId = "{order_id}" AND PaymentStatus = "{status}"'
    for _ in range(100):  # visibility is eventually consistent
        if [w async for w in temporal.list_workflows(query)]:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_payment_is_found_by_order_id_in_each_state(
    payments: Payments, temporal: Client
) -> None:
    order = f"ord_search_{uuid.uuid4().hex[:8]}"
    handle: WorkflowHandle[PaymentWorkflow, object] = await payments.start(
        "4242424242424242", amount=5000, capture_method=CaptureMethod.MANUAL, order_id=order
    )
    await until_status(handle, "authorized")
    assert await found_by_search(temporal, order, "authorized")
    await handle.execute_update(PaymentWorkflow.capture, CaptureRequest(amount=5000))
    assert await found_by_search(temporal, order, "captured")
    refund = RefundRequest(refund_id="re_s1" + handle.id, amount=1000)
    await handle.execute_update(PaymentWorkflow.refund, refund)
    assert await found_by_search(temporal, order, "partially_refunded")


async def test_history_holds_ciphertext_that_the_codec_server_decodes(
    payments: Payments, settings: Settings
) -> None:
    handle = await payments.start("4242424242424242", amount=424242, refund_window_seconds=1)
    await handle.result()
    raw = await Client.connect(settings.temporal.target(), namespace=settings.temporal.namespace)
    history = await raw.get_workflow_handle(handle.id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    input_payload = started.input.payloads[0]

    assert input_payload.metadata["encoding"] == b"binary/encrypted"
    for event in history.events:
        # Search attributes stay readable by design: operators search on them.
        event.ClearField("upsert_workflow_search_attributes_event_attributes")
        event.workflow_execution_started_event_attributes.ClearField("search_attributes")
        serialized = event.SerializeToString()
        assert b"424242" not in serialized and b"tok_" not in serialized
        assert b"ord_" not in serialized

    token = settings.codec.operator_token
    assert token is not None
    body = {"payloads": [json_format.MessageToDict(input_payload)]}
    async with httpx.AsyncClient(base_url=settings.api.base_url()) as http:
        refused = await http.post("/codec/decode", json=body)
        decoded = await http.post(
            "/codec/decode",
            json=body,
            headers={"Authorization": f"Bearer {token.get_secret_value()}"},
        )
        via_path = await http.post(f"/codec/t/{token.get_secret_value()}/decode", json=body)
        preflight = await http.options(
            "/codec/decode",
            headers={
                "Origin": settings.temporal.web_url(),
                "Access-Control-Request-Method": "POST",
            },
        )
    assert refused.status_code == 401
    assert decoded.json() == via_path.json()
    plain = json_format.ParseDict(decoded.json(), Payloads()).payloads[0]
    assert b'"amount":424242' in plain.data.replace(b" ", b"")
    assert preflight.headers["access-control-allow-origin"] == settings.temporal.web_url()
    assert base64.b64decode(body["payloads"][0]["data"])  # it really was ciphertext we sent
