"""The v1 routes, one module per resource. Thin: parse, authorize, run a command or query,
shape the response.

Each router carries the full prefix and the app includes each directly: a router included in
another keeps its own paths, and the metrics and spans name a request by its route's path."""

from __future__ import annotations

from api.routes import customer, payments, refunds, service

V1_ROUTERS = (payments.router, refunds.router, service.router, customer.router)
