"""The Authorize.Net test server's settled batches (#32), as Transaction Reporting lists them:
`getSettledBatchListRequest` takes a settlement time range (`firstSettlementDate`,
`lastSettlementDate`, UTC; none given: the last 24 hours) and answers each batch with its
`settlementTimeUTC` and `settlementState`; no batch in the range is "I00004 No records found"
(docs/processors.md, "Settlement")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

NO_RECORDS = ("I00004", "No records found.")
DEFAULT_RANGE = timedelta(hours=24)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def settled_batches(batch_times: dict[str, str], request: dict[str, Any]) -> list[dict[str, Any]]:
    """The batches settled in the request's range, oldest first."""
    now = datetime.now(UTC)
    first = request.get("firstSettlementDate")
    last = request.get("lastSettlementDate")
    low = _time(first) if first else now - DEFAULT_RANGE
    high = _time(last) if last else now
    return [
        {
            "batchId": batch, "settlementTimeUTC": at.replace("+00:00", "Z"),
            "settlementTimeLocal": at.replace("+00:00", ""),
            "settlementState": "settledSuccessfully", "paymentMethod": "creditCard",
            "marketType": "eCommerce", "product": "Card Not Present",
        }
        for batch, at in sorted(batch_times.items(), key=lambda entry: entry[1])
        if low <= _time(at) <= high
    ]  # fmt: skip


def settlement_time(day: str | None) -> str:
    """When a batch settles: now, or (a test's later day) that day's cut-off. To the second,
    as Authorize.Net gives `settlementTimeUTC`: a search whose range ends now (to the second)
    finds a batch settled in that second."""
    now = datetime.now(UTC).replace(microsecond=0)
    if day is None:
        return now.isoformat()
    cutoff = datetime.fromisoformat(day).replace(hour=23, tzinfo=UTC)
    return max(now, cutoff).isoformat()
