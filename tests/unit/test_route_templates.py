"""Every route is known by its whole path, as the OpenAPI document names it: the metrics'
`route` label and the spans' names come from it. Routers nested in a prefixed router kept
their own short paths (`/payment-methods`), found by the e2e metrics test after api/routes/
was split."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.routing import APIRoute

from api.routes import V1_ROUTERS
from api.routes.notices import router as notices_router

DOCUMENT = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())


def test_every_route_path_is_a_documented_path() -> None:
    routes = [r for router in (*V1_ROUTERS, notices_router) for r in router.routes]
    paths = {route.path for route in routes if isinstance(route, APIRoute)}
    assert paths == {path for path in DOCUMENT["paths"] if path.startswith("/v1/")}
