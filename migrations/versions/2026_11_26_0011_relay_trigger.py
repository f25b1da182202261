"""Event rows wake the outbox relay from a trigger, not a NOTIFY statement per event

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Once per inserting statement; PostgreSQL delivers it at commit, folding repeats within a
    # transaction into one. The channel is payment_saga/db/outbox.RELAY_CHANNEL.
    op.execute(
        "CREATE FUNCTION wake_outbox_relay() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_notify('outbox_events', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_events_wake_relay AFTER INSERT ON outbox_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION wake_outbox_relay()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_events_wake_relay ON outbox_events")
    op.execute("DROP FUNCTION wake_outbox_relay()")
