"""Every length and size limit, defined once.

The API schemas validate against these, the columns are sized from them, and
`tests/unit/test_limits.py` fails when a column is narrower than what the API accepts: a value
the API lets in must always fit where it is stored (a 255-character reason once met a
64-character column and wedged a payment).
"""

from __future__ import annotations

# Our own ids: "pay_" / "re_" and a 24-character digest, with room to spare.
ID_MAX = 64
IDEMPOTENCY_KEY_MAX = 255
ORDER_ID_MAX = 255
CUSTOMER_ID_MAX = 255
DESCRIPTION_MAX = 1000
# A cancel's free-text reason; it is stored on the refund a cancel of a captured payment makes.
REASON_MAX = 255
HOLDER_NAME_MAX = 255
METADATA_PAIRS_MAX = 20
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500
# Codes we or a processor assign (failure codes, decline codes).
CODE_MAX = 64
GATEWAY_REFERENCE_MAX = 128
CARD_TOKEN_MAX = 255
# The order service's page a customer returns to after a customer action (docs/api.md); 2048 is
# what browsers and proxies reliably carry.
URL_MAX = 2048
# "<key id>_<hex digest>": see payment_saga/domain/fingerprints.py.
FINGERPRINT_MAX = 64
# Amounts: the default largest amount of one payment, in minor units (Stripe's limit too);
# settings may set another per currency. The storage bound is domain.money.MAX_AMOUNT.
DEFAULT_MAX_AMOUNT = 99_999_999
