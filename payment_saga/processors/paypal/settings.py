"""PayPal's settings: environment variables `PAYPAL_<FIELD>`."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from payment_saga.processors.settings import LOOPBACK


class PayPalSettings(BaseModel):
    # The REST app's credentials (developer.paypal.com, "Apps & Credentials").
    client_id: str = "paymentsagalocal"
    client_secret: SecretStr = SecretStr("paymentsagalocalsecret")
    # None: PayPal's live API, or with the local stack its test server
    # (devtools/testservers/paypal/) on `port`. PayPal's sandbox: https://api-m.sandbox.paypal.com.
    api_base: str | None = None
    # The id PayPal gave our webhook subscription (CHECKOUT.ORDER.APPROVED to
    # /v1/webhooks/paypal); its notices are verified against it. Unset: the route is off.
    webhook_id: str | None = None
    host: str = LOOPBACK
    port: int = 12121

    def base_url(self) -> str:
        return self.api_base or "https://api-m.paypal.com"
