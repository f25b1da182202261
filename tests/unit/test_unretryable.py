"""Errors retrying cannot fix end the activity at once, typed and counted; others retry."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import DataError, OperationalError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput

from activities.metrics import ActivityMetrics
from activities.unretryable import UnretryableErrors

TRUNCATED = DataError("INSERT ...", {}, Exception("value too long for type character varying(64)"))
CONNECTION_LOST = OperationalError("SELECT 1", {}, Exception("server closed the connection"))


class Raising(ActivityInboundInterceptor):
    def __init__(self, error: Exception) -> None:
        self._error = error

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        raise self._error


async def run_through_interceptor(error: Exception, registry: CollectorRegistry) -> None:
    interceptor = UnretryableErrors(ActivityMetrics(registry)).intercept_activity(Raising(error))
    unused = ExecuteActivityInput(fn=print, args=[], executor=None, headers={})
    await ActivityEnvironment().run(interceptor.execute_activity, unused)


async def test_a_data_error_is_not_retried_and_is_counted() -> None:
    registry = CollectorRegistry()
    with pytest.raises(ApplicationError) as caught:
        await run_through_interceptor(TRUNCATED, registry)
    assert caught.value.non_retryable and caught.value.type == "internal_error"
    assert "too long" not in caught.value.message  # the data stays out of the history
    labels = {"activity": "unknown", "error": "DataError"}
    assert registry.get_sample_value("activity_unretryable_errors_total", labels) == 1


async def test_a_lost_connection_is_retried() -> None:
    with pytest.raises(OperationalError):
        await run_through_interceptor(CONNECTION_LOST, CollectorRegistry())
