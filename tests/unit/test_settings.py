"""Settings that derive one value from another."""

from __future__ import annotations

from pydantic import SecretStr

from payment_saga.config import DatabaseSettings

MANAGED = "postgres://u:p@db.example.com:5432/payments?sslmode=require"


def test_the_database_url_for_libpq_names_the_same_database() -> None:
    database = DatabaseSettings(url=SecretStr(MANAGED))
    assert database.sqlalchemy_url().startswith("postgresql+psycopg://u:p@db.example.com")
    assert database.libpq_url() == "postgresql://u:p@db.example.com:5432/payments?sslmode=require"


def test_the_local_database_for_libpq() -> None:
    assert (
        DatabaseSettings(port=5999).libpq_url() == "postgresql://postgres@127.0.0.1:5999/payments"
    )
