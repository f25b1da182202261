"""URLs the customer's browser is sent to: a page's address with parameters added to its query,
keeping the query (and fragment) it had."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit


def with_query(url: str, added: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    extra = urlencode(added)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
