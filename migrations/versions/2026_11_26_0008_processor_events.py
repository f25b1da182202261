"""Processor webhooks: a payment's dispute, and the processor events already handled

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # None, or the latest dispute's status: open, won, lost.
    op.add_column("payments", sa.Column("dispute_status", sa.String(16)))
    op.add_column("payments", sa.Column("dispute_reason", sa.String(64)))
    op.create_table(
        "processor_events",
        sa.Column("processor", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("payment_id", sa.String(64)),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_processor_events_received_at", "processor_events", ["received_at"])
    # A webhook names the processor's object: find our payment or refund by it.
    op.create_index("ix_payments_gateway_reference", "payments", ["gateway_reference"])
    op.create_index("ix_refunds_gateway_reference", "refunds", ["gateway_reference"])


def downgrade() -> None:
    op.drop_index("ix_refunds_gateway_reference", "refunds")
    op.drop_index("ix_payments_gateway_reference", "payments")
    op.drop_table("processor_events")
    op.drop_column("payments", "dispute_reason")
    op.drop_column("payments", "dispute_status")
