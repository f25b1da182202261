"""A planted non-deterministic change, for the replay gate's own test: PaymentWorkflow under its
own name, with one more command at its start (a timer) that recorded runs never issued."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from payment_saga.domain.messages import PaymentRequest, PaymentState
    from workflows.payment import PaymentWorkflow


@workflow.defn(name="PaymentWorkflow")
class PlantedPaymentWorkflow(PaymentWorkflow):
    @workflow.run
    async def run(self, request: PaymentRequest) -> PaymentState:
        await workflow.sleep(timedelta(milliseconds=10))  # the change a deploy must not carry
        return await super().run(request)
