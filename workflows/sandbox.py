"""How workflow code is run where determinism is checked: the unit tests, the replayers and the
replay gate (payment_saga/ops/replay.py) run PaymentWorkflow in the strict sandbox."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# Pure modules the workflow uses: loaded once, outside the sandbox (faster, and safe because
# they hold no state and do no I/O).
PASSTHROUGH_MODULES = ("payment_saga.domain", "pydantic", "sqlalchemy")


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The strict sandbox: the workflow module runs inside it, so a non-deterministic call in
    it (the clock, randomness, I/O) fails."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)
