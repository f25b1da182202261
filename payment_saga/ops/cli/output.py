"""Tables for people, JSON for scripts."""

from __future__ import annotations

import json
from typing import Any


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def render(rows: list[dict[str, Any]], as_json: bool) -> str:
    return json.dumps(rows, indent=2, default=str) if as_json else table(rows)
