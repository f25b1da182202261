"""What each processor's test server really applied (its ledger), by payment, for the audit.

The simulator, the Stripe test server and the Authorize.Net test server each keep a ledger of
every authorization, capture, void, refund and hold the processor expired by itself. A real
processor keeps none we can read whole: its payments are asked one by one through the adapter
(payment_saga/ops/audit/processors.py). Entries come out in one shape: `operation`, `amount` (minor
units) and
`processor`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from payment_saga.config import Settings
from payment_saga.db.models import Payment
from payment_saga.domain.keys import authorize_key
from payment_saga.domain.money import exponent, from_decimal
from payment_saga.processors.authorizenet.adapter import invoice_number
from payment_saga.processors.routing import kinds_in_use

Entry = dict[str, Any]
LEDGER_TIMEOUT_SECONDS = 30.0


@dataclass
class Ledgers:
    # Payment id -> what its processors applied for it.
    entries: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    # The processors whose ledger was read: only their payments are checked against it.
    read: set[str] = field(default_factory=set)

    def add(self, processor: str, by_payment: Iterable[tuple[str, Entry]]) -> None:
        self.read.add(processor)
        for payment_id, entry in by_payment:
            self.entries[payment_id].append(entry | {"processor": processor})


async def read_ledgers(settings: Settings, payments: list[Payment]) -> Ledgers:
    ledgers = Ledgers()
    in_use = kinds_in_use(settings.gateway)
    async with httpx.AsyncClient(timeout=LEDGER_TIMEOUT_SECONDS) as http:
        if "simulator" in in_use:
            # The simulator is always a test server: a ledger it cannot show is an error.
            response = await http.get(f"{settings.gateway.base_url()}/v1/ledger")
            response.raise_for_status()
            ledgers.add("simulator", by_key(response.json()["entries"]))
        if "stripe" in in_use and settings.stripe.api_base is not None:
            found = await _test_server_ledger(http, settings.stripe.api_base)
            if found is not None:
                ledgers.add("stripe", by_key(found))
        if "paypal" in in_use and settings.paypal.api_base is not None:
            found = await _test_server_ledger(http, settings.paypal.api_base)
            if found is not None:
                ledgers.add("paypal", by_authorization(found))
        if "authorizenet" in in_use and settings.authorizenet.api_base is not None:
            found = await _test_server_ledger(http, settings.authorizenet.api_base)
            if found is not None:
                currency = settings.authorizenet.currency
                ledgers.add("authorizenet", by_invoice(found, payments, currency))
    return ledgers


async def _test_server_ledger(http: httpx.AsyncClient, base: str) -> list[Entry] | None:
    """The test server's ledger; None when `base` is the processor itself (no such page)."""
    try:
        response = await http.get(f"{base.rstrip('/')}/_fake/ledger")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    entries: list[Entry] = response.json()["entries"]
    return entries


def by_key(entries: list[Entry]) -> Iterable[tuple[str, Entry]]:
    """Entries kept under our idempotency keys, which begin with the payment id."""
    for entry in entries:
        yield entry["idempotency_key"].split(":")[0], entry


def by_authorization(entries: list[Entry]) -> Iterable[tuple[str, Entry]]:
    """PayPal's test server: entries under our keys, and the holds PayPal expired by itself
    (no key) following the authorization they refer to; amounts in PayPal's decimals."""
    owners = {
        e["authorization"]: e["idempotency_key"].split(":")[0]
        for e in entries
        if e["idempotency_key"]
    }
    for entry in entries:
        owner = owners.get(entry["authorization"])
        if owner is not None:
            yield owner, entry | {"amount": from_decimal(entry["amount"], entry["currency"])}


def by_invoice(
    entries: list[Entry], payments: list[Payment], currency: str
) -> Iterable[tuple[str, Entry]]:
    """Authorize.Net keeps no key of ours, only the invoice number made from it: an
    authorization is the payment's whose authorize key gives its invoice number, and every
    later entry follows the authorization it refers to."""
    invoices = {
        invoice_number(key): payment.id
        for payment in payments
        for key in (authorize_key(payment.id), authorize_key(payment.id, "authorizenet"))
    }
    owners = {
        e["authorization"]: invoices[e["invoice_number"]]
        for e in entries
        if e["operation"] == "authorize" and e["invoice_number"] in invoices
    }
    digits = exponent(currency)
    for entry in entries:
        owner = owners.get(entry["authorization"])
        if owner is not None:
            amount = int(Decimal(entry["amount"]).scaleb(digits))
            yield owner, entry | {"amount": amount}
