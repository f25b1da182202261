"""Production refuses to start without its secrets, saying each one on its own line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from payment_saga.codec.encryption import new_key_spec
from payment_saga.config import Settings
from payment_saga.secure_defaults import refused_settings

ROOT = Path(__file__).parents[2]


def production(**secrets: str) -> Settings:
    settings = Settings(_env_file=None, environment="production")
    settings.codec.keys = SecretStr(secrets["codec"]) if "codec" in secrets else None
    token = secrets.get("token")
    settings.codec.operator_token = SecretStr(token) if token else None
    keys = secrets.get("cards")
    settings.cards.fingerprint_keys = SecretStr(keys) if keys else None
    return settings


def test_development_needs_none_of_them() -> None:
    assert refused_settings(Settings(_env_file=None)) == []


def test_production_names_every_missing_secret() -> None:
    refused = refused_settings(production(token="short"))
    assert [line.split()[0] for line in refused] == [
        "CODEC_KEYS", "CODEC_OPERATOR_TOKEN", "CARDS_FINGERPRINT_KEYS",
    ]  # fmt: skip
    ready = production(codec=new_key_spec("k1"), token="t" * 32, cards=new_key_spec("f1"))
    assert refused_settings(ready) == []


def test_production_on_stripe_needs_a_key_of_its_own() -> None:
    settings = production(codec=new_key_spec("k1"), token="t" * 32, cards=new_key_spec("f1"))
    settings.gateway.kind = "stripe"
    assert [line.split()[0] for line in refused_settings(settings)] == ["STRIPE_API_KEY"]
    settings.stripe.api_key = SecretStr("rk_live_" + "x" * 24)
    assert refused_settings(settings) == []


def test_production_sasl_needs_a_user_and_a_password() -> None:
    settings = production(codec=new_key_spec("k1"), token="t" * 32, cards=new_key_spec("f1"))
    settings.kafka.security_protocol = "SASL_SSL"
    assert [line.split()[0] for line in refused_settings(settings)] == ["KAFKA_SASL_USERNAME"]
    settings.kafka.sasl_username, settings.kafka.sasl_password = "payments", SecretStr("pw")
    assert refused_settings(settings) == []


def test_production_plaintext_is_refused_by_default() -> None:
    settings = production()
    assert not settings.codec.plaintext_accepted(settings.environment)
    settings.codec.accept_plaintext = True  # the documented migration switch
    assert settings.codec.plaintext_accepted(settings.environment)


@pytest.mark.parametrize("module", ["worker", "api.main", "payment_saga.events.main"])
def test_services_refuse_to_start(module: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; m.main()"],
        env={"ENVIRONMENT": "production", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,  # no .env file here
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3 and all("refused (production)" in line for line in lines)
