"""The newest patch generation covers every patch, so a new run records one marker."""

from __future__ import annotations

from workflows import patches


def test_newest_generation_covers_every_patch() -> None:
    ids = {
        value
        for name, value in vars(patches).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }
    newest = patches.GENERATIONS[0][1]
    assert ids == set(newest), "a new patch needs a new generation first in GENERATIONS"


def test_generation_markers_are_distinct_from_patch_ids() -> None:
    markers = [marker for marker, _ in patches.GENERATIONS]
    assert len(set(markers)) == len(markers)
    assert not set(markers) & set().union(*(covered for _, covered in patches.GENERATIONS))
