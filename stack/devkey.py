"""A development API key: created on the first start, kept in the data directory, reused after."""

from __future__ import annotations

from pathlib import Path

from api.keys import create_key, find_active
from db.session import create_engine, create_session_factory
from settings import Settings

DEV_KEY_FILE = "dev-api-key"


async def ensure_dev_key(settings: Settings, data_dir: Path) -> str:
    path = data_dir / DEV_KEY_FILE
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine).begin() as session:
            if path.exists():
                secret = path.read_text().strip()
                if await find_active(session, secret) is not None:
                    return secret
            _, secret = await create_key(session, "development (payment-saga-stack)")
    finally:
        await engine.dispose()
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret
