"""Development secrets, made on the first start and kept in the data directory.

The API key is an order service's credential; the codec keys encrypt Temporal payloads; the
operator token guards the codec server. Outside development they come from the environment.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr

from payment_saga.codec.encryption import new_key_spec
from payment_saga.config import Settings
from payment_saga.db.apikeys import DEFAULT_ACCOUNT_ID, create_key, find_active
from payment_saga.db.session import create_engine, create_session_factory

DEV_KEY_FILE = "dev-api-key"


def _kept(path: Path, make: str) -> str:
    if not path.exists():
        path.write_text(make + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_codec_secrets(settings: Settings, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if settings.codec.keys is None:
        settings.codec.keys = SecretStr(_kept(data_dir / "codec-keys", new_key_spec("dev1")))
    if settings.codec.operator_token is None:
        token = _kept(data_dir / "operator-token", secrets.token_urlsafe(24))
        settings.codec.operator_token = SecretStr(token)


async def ensure_dev_key(settings: Settings, data_dir: Path) -> str:
    path = data_dir / DEV_KEY_FILE
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine).begin() as session:
            if path.exists():
                secret = path.read_text().strip()
                if await find_active(session, secret) is not None:
                    return secret
            _, secret = await create_key(
                session, DEFAULT_ACCOUNT_ID, "development (payment-saga-stack)"
            )
    finally:
        await engine.dispose()
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret
