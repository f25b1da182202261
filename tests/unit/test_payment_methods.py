"""GET /v1/payment-methods says what the deployment's configuration takes."""

from __future__ import annotations

from api.routes.service import list_payment_methods
from payment_saga.config import RouteRule, Settings


async def methods_of(settings: Settings) -> dict[str, dict[str, object]]:
    listed = await list_payment_methods(None, settings)  # type: ignore[arg-type]
    return {method.type: method.model_dump() for method in listed.data}


async def test_a_deployment_on_authorize_net_alone_asks_no_customer() -> None:
    settings = Settings(_env_file=None)
    settings.gateway.kind = "authorizenet"

    card = (await methods_of(settings))["card"]["card"]

    assert card == {
        "brands": ["visa", "mastercard", "amex", "discover"],
        "three_d_secure": False,
        "processors": ["authorizenet"],
    }


async def test_a_route_to_stripe_brings_3d_secure() -> None:
    settings = Settings(_env_file=None)
    settings.gateway.kind = "authorizenet"
    settings.gateway.routes = [RouteRule(currencies=["EUR"], processors=["stripe"])]

    methods = await methods_of(settings)

    assert methods["card"]["card"]["three_d_secure"] is True  # type: ignore[index]
    assert methods["card"]["card"]["processors"] == ["authorizenet", "stripe"]  # type: ignore[index]
    assert methods["paypal"]["enabled"] is False
