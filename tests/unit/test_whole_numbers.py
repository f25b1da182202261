"""Amounts are integers: JSON Schema counts `851.0` one, and the document says `integer`, so it
is 851; a fraction, a string or a boolean is still refused (#27 item 9: Schemathesis found
integer-valued numbers refused though the schema allows them)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.schemas import CaptureBody


@pytest.mark.parametrize(("given", "amount"), [(851, 851), (851.0, 851), (2.5e3, 2500)])
def test_a_whole_number_is_an_amount(given: object, amount: int) -> None:
    taken = CaptureBody.model_validate({"amount": given}).amount
    assert taken == amount and type(taken) is int


@pytest.mark.parametrize("given", [25.5, "851", True, 1e20, float("nan"), 0.0])
def test_anything_else_is_refused(given: object) -> None:
    with pytest.raises(ValidationError):
        CaptureBody.model_validate({"amount": given})


def test_the_document_keeps_the_bounds() -> None:
    """A validator placed before the constraints hid them from the JSON Schema (`gt`, not
    `exclusiveMinimum`): the document would have promised negative amounts."""
    amount = CaptureBody.model_json_schema()["properties"]["amount"]["anyOf"][0]
    assert (amount["exclusiveMinimum"], amount["type"]) == (0, "integer")
