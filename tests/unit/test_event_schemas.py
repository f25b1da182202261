"""docs/events/ holds the schema of every event type, as the code derives it."""

from __future__ import annotations

import pytest

from payment_saga.domain.events import ALL_EVENT_TYPES
from payment_saga.events.schemas import SCHEMA_DIR, render


@pytest.mark.parametrize("event_type", ALL_EVENT_TYPES)
def test_committed_schema_is_current(event_type: str) -> None:
    committed = (SCHEMA_DIR / f"{event_type}.schema.json").read_text()
    assert committed == render(event_type), "run: python -m payment_saga.events.schemas"
