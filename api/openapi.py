"""`python -m api.openapi` writes the API's OpenAPI document to docs/openapi.json.

The committed document is the contract order services generate clients from;
`tests/unit/test_openapi.py` fails when the API's own document differs from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.main import create_app
from payment_saga.config import Settings

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    return create_app(Settings(_env_file=None)).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    DOCUMENT.write_text(render())


if __name__ == "__main__":
    main()
