"""The processors a deployment uses, and the rules that pick them for a payment."""

from __future__ import annotations

from collections.abc import Mapping

from payment_saga.config import GatewaySettings
from payment_saga.domain.errors import GatewayTransientError
from payment_saga.processors.port import PaymentGateway, SettlementReports


class Gateways:
    """Each configured processor's adapter by its kind (`GATEWAY_KIND` is the default), and the
    route (`GATEWAY_ROUTES`) for a currency and card brand; `authenticating`: the processors
    that can ask a card's issuer for 3-D Secure (the registry's `three_d_secure`)."""

    def __init__(
        self,
        adapters: Mapping[str, PaymentGateway],
        settings: GatewaySettings,
        authenticating: frozenset[str] = frozenset(),
    ) -> None:
        self._adapters = dict(adapters)
        self._settings = settings
        self._authenticating = authenticating

    @classmethod
    def of_one(cls, gateway: PaymentGateway, kind: str = "simulator") -> Gateways:
        """One processor and no routes (tests, and callers built before routing)."""
        return cls({kind: gateway}, GatewaySettings(kind=kind))

    @property
    def kinds(self) -> list[str]:
        """The processors in use, the default first."""
        return [self._settings.kind, *(k for k in self._adapters if k != self._settings.kind)]

    @property
    def only_one(self) -> bool:
        return len(self._adapters) == 1

    @property
    def default_kind(self) -> str:
        return self._settings.kind

    @property
    def default(self) -> PaymentGateway:
        return self._adapters[self._settings.kind]

    @property
    def call_timeout_seconds(self) -> float:
        """How long a call to a processor may take before the adapter gives up on it."""
        return self._settings.timeout_seconds

    @property
    def failover_after_failures(self) -> int:
        return self._settings.failover_after_failures

    def __getitem__(self, kind: str | None) -> PaymentGateway:
        # None: the default (rows from before routing, and a deployment with one processor).
        if kind is None:
            return self.default
        adapter = self._adapters.get(kind)
        if adapter is None:
            # Configuration, not the payment: retried until the processor is configured again.
            raise GatewayTransientError(
                f"the payment is on {kind}, which GATEWAY_KIND and GATEWAY_ROUTES do not name"
            )
        return adapter

    def can_authenticate(self, kind: str) -> bool:
        return kind in self._authenticating

    def reports(self, kind: str) -> SettlementReports | None:
        """The processor's settlement reports; None when its adapter cannot read them yet."""
        adapter = self[kind]
        return adapter if isinstance(adapter, SettlementReports) else None

    def route_for(self, currency: str, brand: str) -> list[str]:
        for rule in self._settings.routes:
            if rule.matches(currency, brand):
                return list(rule.processors)
        return [self._settings.kind]


PAYPAL = "paypal"


def kinds_in_use(settings: GatewaySettings) -> list[str]:
    """The default processor, every one a route names, and PayPal when it is taken (each once,
    in that order)."""
    kinds: list[str] = [settings.kind]
    for rule in settings.routes:
        kinds += [kind for kind in rule.processors if kind not in kinds]
    if settings.paypal and PAYPAL not in kinds:
        kinds.append(PAYPAL)
    return kinds
