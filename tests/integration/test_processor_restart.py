"""A processor remembers what it did: the simulator restarted keeps its books (issue #26, 9),
and a processor's "no such object" ends the step with a recorded failure, never a retry loop."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import update

from devtools.stack.stack import Stack, http_ok
from payment_saga.db.models import Payment, Refund
from payment_saga.db.session import SessionFactory
from payment_saga.domain.messages import CaptureRequest, RefundRequest
from payment_saga.domain.states import CaptureMethod
from payment_saga.steering.payments import PaymentSteering
from tests.integration.conftest import Payments
from tests.integration.test_saga_cards import row
from tests.integration.test_saga_steering import until_status
from workflows.payment import PaymentWorkflow


async def restart_gateway(stack: Stack) -> None:
    gateway = stack.processes["gateway"]
    gateway.kill()
    gateway.start()
    url = f"{stack.settings.gateway.base_url()}/health"
    await stack.wait_healthy("gateway", lambda: http_ok(url))


async def test_a_refund_after_the_simulator_restarted_succeeds(
    stack: Stack, payments: Payments, sessions: SessionFactory
) -> None:
    """The simulator once kept its books in memory: after a restart every refund of an earlier
    payment met `resource_missing`, retried without end."""
    handle = await payments.start("4242424242424242", capture_method=CaptureMethod.MANUAL)
    await until_status(handle, "authorized")
    await restart_gateway(stack)

    await handle.execute_update(PaymentWorkflow.capture, CaptureRequest(None))
    refund = await asyncio.wait_for(
        handle.execute_update(PaymentWorkflow.refund, RefundRequest(f"re_{uuid.uuid4().hex}", 500)),
        timeout=60,
    )

    assert refund.status == "succeeded"
    assert (await row(sessions, handle.id)).amount_refunded == 500


async def test_no_such_authorization_ends_the_refund_failed(
    payments: Payments, sessions: SessionFactory, steering: PaymentSteering
) -> None:
    """A refund of an authorization the processor does not know fails at once, recorded."""
    handle = await payments.start("4242424242424242", idle_close_seconds=60)
    await until_status(handle, "captured")
    # What a processor that forgot the authorization would answer: the run holds its own
    # reference, so a later one reads the row's.
    await handle.terminate("take the row's reference")
    async with sessions.begin() as session:
        await session.execute(
            update(Payment).where(Payment.id == handle.id).values(gateway_reference="auth_gone")
        )
    refund_id = f"re_{uuid.uuid4().hex}"
    finished = await steering.refund(handle.id, RefundRequest(refund_id, 500), 60)

    assert finished.done
    async with sessions() as session:
        refund = await session.get(Refund, refund_id)
    assert refund is not None
    assert (refund.status, refund.failure_code) == ("failed", "resource_missing")
    assert (await row(sessions, handle.id)).amount_refunded == 0
