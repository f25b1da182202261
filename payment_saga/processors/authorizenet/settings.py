"""Authorize.Net's settings: environment variables `AUTHORIZENET_<FIELD>`."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from payment_saga.processors.settings import LOOPBACK


class AuthorizeNetSettings(BaseModel):
    # The API login ID and transaction key from the merchant interface (Account > Security).
    login_id: str = "paymentsagalocal"
    transaction_key: SecretStr = SecretStr("localtransactionkey")
    # None: Authorize.Net's production API, or with the local stack its test server
    # (devtools/testservers/authorizenet.py) on `port`. The sandbox is https://apitest.authorize.net.
    api_base: str | None = None
    host: str = LOOPBACK
    port: int = 12114
    # An Authorize.Net account settles in one currency.
    currency: str = "USD"
    # The Signature Key (Account > Settings > API Credentials & Keys); unset: webhooks are off.
    signature_key: SecretStr | None = None

    def base_url(self) -> str:
        return self.api_base or "https://api2.authorize.net"
