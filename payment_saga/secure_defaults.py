"""What a non-development deployment must set before any service starts.

`ENVIRONMENT=production` (anything but `development`) refuses to start without the codec keys
(Temporal payloads encrypted), an operator token of real length (the codec server and
/metrics), and the card fingerprint keys; every refused setting is printed on a line of its
own, so one start tells everything that is missing.
"""

from __future__ import annotations

import secrets
import sys

from payment_saga.codec.encryption import new_key_spec
from payment_saga.config import Settings
from payment_saga.processors.registry import processors_in_use

# An operator token shorter than this is a placeholder, not a secret.
OPERATOR_TOKEN_MIN_LENGTH = 24


def refused_settings(settings: Settings) -> list[str]:
    """One line per setting a non-development deployment must not run without."""
    if settings.environment == "development":
        return []
    refused = []
    if settings.codec.keys is None:
        refused.append("CODEC_KEYS is not set: Temporal payloads would be stored in plaintext")
    token = settings.codec.operator_token
    if token is None or len(token.get_secret_value()) < OPERATOR_TOKEN_MIN_LENGTH:
        refused.append(
            f"CODEC_OPERATOR_TOKEN must be set, at least {OPERATOR_TOKEN_MIN_LENGTH} characters"
        )
    if settings.cards.fingerprint_keys is None:
        refused.append(
            "CARDS_FINGERPRINT_KEYS is not set: card fingerprints would use the public"
            " development key"
        )
    kafka = settings.kafka
    sasl = kafka.security_protocol.startswith("SASL")
    if sasl and (kafka.sasl_username is None or kafka.sasl_password is None):
        refused.append(
            f"KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set for {kafka.security_protocol}"
        )
    try:
        for processor in processors_in_use(settings):
            refused += processor.refused_settings(settings)
    except ValueError as unknown:
        refused.append(str(unknown))
    return refused


def require_secure_settings(settings: Settings, service: str) -> None:
    """Exit (status 2) with one line per refused setting; nothing when all is in place."""
    refused = refused_settings(settings)
    for line in refused:
        print(f"{service}: refused ({settings.environment}): {line}", file=sys.stderr)
    if refused:
        raise SystemExit(2)


def main() -> None:
    """`python -m secure_defaults > compose.env`: fresh production secrets, one per line."""
    print(f"CODEC_KEYS={new_key_spec('k1')}")
    print(f"CODEC_OPERATOR_TOKEN={secrets.token_urlsafe(32)}")
    print(f"CARDS_FINGERPRINT_KEYS={new_key_spec('f1')}")


if __name__ == "__main__":
    main()
