"""Alembic environment: migrations run on a plain (sync) psycopg connection."""

from alembic import context
from sqlalchemy import create_engine, pool

from payment_saga.config import Settings
from payment_saga.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    # The launcher passes the URL; by hand, the settings (DATABASE_URL) give it.
    url = config.get_main_option("sqlalchemy.url") or Settings().database.sqlalchemy_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
