"""Stripe's settings: environment variables `STRIPE_<FIELD>`."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from payment_saga.processors.settings import LOOPBACK


class StripeSettings(BaseModel):
    # A restricted key (rk_...) with PaymentIntents, PaymentMethods (read) and Refunds is enough.
    api_key: SecretStr = SecretStr("sk_test_paymentsagalocal")
    # None: Stripe itself, or with the local stack its test server (stripe-mock behind
    # devtools/testservers/stripe.py) on `port`.
    api_base: str | None = None
    host: str = LOOPBACK
    port: int = 12111
    mock_port: int = 12112
    # The signing secret of our webhook endpoint (whsec_...); unset: /v1/webhooks/stripe is off.
    webhook_secret: SecretStr | None = None

    def base_url(self) -> str:
        return self.api_base or "https://api.stripe.com"
