"""How PaymentWorkflow runs a gateway step: timeouts, retries, local or normal activity.

Passed through the workflow sandbox (stateless functions over the current workflow's context).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as StepTimedOut  # not the builtin
from temporalio.workflow import ActivityCancellationType

from payment_saga.domain.messages import Failure
from workflows import patches

STEP_TIMEOUT = timedelta(seconds=30)
# How long a lookup of an unclear capture or refund keeps retrying before an operator is asked.
RESOLVE_DEADLINE = timedelta(minutes=10)
# Retries waiting longer than this sleep on a workflow timer rather than in the worker, so a
# long gateway outage neither holds a workflow task open nor delays updates.
LOCAL_RETRY_THRESHOLD = timedelta(seconds=10)
# Transient gateway errors back off exponentially; declines are raised non-retryable.
GATEWAY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
# Compensations must finish: they retry until they do.
COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
)
# From patches.LOCAL_STEPS on, the main flow's gateway steps run as local activities: a step
# costs no round trip through the server (docs/performance.md). Every step carries an
# idempotency key, so a local activity run again after a worker died is safe. Payments begun
# before replay the old way.
# A failed step: a local activity's non-retryable error arrives bare, not as an ActivityError,
# and so does its timeout when a run is replayed (live, it comes wrapped): a step that timed
# out must be caught the same way in both, or a replayed run takes another path than it took
# (tests/unit/replay_findings).
STEP_FAILED = (ActivityError, ApplicationError, StepTimedOut)
StepInput = TypeVar("StepInput")
StepOutput = TypeVar("StepOutput")
Activities = TypeVar("Activities")


def failure_of(
    error: ActivityError | ApplicationError | StepTimedOut, fallback_code: str
) -> Failure:
    """The decline carried by a non-retryable ApplicationError, or a generic failure."""
    declined = decline_of(error)
    if declined is not None:
        return declined
    cause = error.cause if isinstance(error, ActivityError) else error
    message = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
    return Failure(code=fallback_code, message=message)


def decline_of(error: BaseException) -> Failure | None:
    """The gateway's final no, when that is what ended the step: a non-retryable error that
    carries a decline. Anything else (retries or time run out, an error of ours) says nothing
    about what the gateway did."""
    if not isinstance(error, STEP_FAILED):
        return None
    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, ApplicationError) and cause.non_retryable and cause.details:
        details = cause.details[0]
        if isinstance(details, dict) and "code" in details:
            return Failure(**details)
    return None


def rejected(code: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


async def run_step(
    step: Callable[[Activities, StepInput], Awaitable[StepOutput]],
    data: StepInput,
    *,
    retry_policy: RetryPolicy,
    deadline: timedelta | None = None,
    summary: str | None = None,
    local: bool = True,
    wait_on_cancel: bool = False,
) -> StepOutput:
    """One gateway step: a local activity, or a normal one (`local=False`, or a payment begun
    before the patch). `wait_on_cancel`: a cancel waits for the step to finish (the activity
    completes its gateway call), instead of leaving it in flight.

    Steps of the main flow run locally. Steps run by updates (capture, cancel, refund) do not:
    a normal activity is recorded in history before it runs, while a local one's record comes
    with the workflow task's completion; were that task lost, the gateway would have acted on
    a step the workflow's ledger does not know of, and a racing update could be let through
    against stale amounts (20 concurrent refunds showed it: tests/e2e/test_steer_payment.py).
    """
    cancellation = (
        ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        if wait_on_cancel
        else ActivityCancellationType.TRY_CANCEL
    )
    if patches.patched(patches.LOCAL_STEPS) and local:
        return await workflow.execute_local_activity_method(
            step,
            data,
            start_to_close_timeout=STEP_TIMEOUT,
            schedule_to_close_timeout=deadline,
            retry_policy=retry_policy,
            local_retry_threshold=LOCAL_RETRY_THRESHOLD,
            summary=summary,
            cancellation_type=cancellation,
        )
    return await workflow.execute_activity_method(
        step,
        data,
        start_to_close_timeout=STEP_TIMEOUT,
        schedule_to_close_timeout=deadline,
        retry_policy=retry_policy,
        summary=summary,
        cancellation_type=cancellation,
    )
