"""Settlement reconciliation: what the processors settled, and what did not match (#32)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "settled_operations",
        sa.Column("processor", sa.String(32), primary_key=True),
        sa.Column("item_id", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payment_id", sa.String(64)),
        sa.Column("refund_id", sa.String(64)),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("payout_id", sa.String(255), nullable=False),
        sa.Column("recorded_at", Timestamp, server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_settled_operations_payment_id", "settled_operations", ["payment_id"])
    op.create_table(
        "reconciliation_discrepancies",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("processor", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payment_id", sa.String(64)),
        sa.Column("refund_id", sa.String(64)),
        sa.Column("item_id", sa.String(255)),
        sa.Column("expected_amount", sa.BigInteger()),
        sa.Column("settled_amount", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("opened_at", Timestamp, server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", Timestamp),
    )
    op.create_index(
        "ix_reconciliation_discrepancies_status", "reconciliation_discrepancies", ["status"]
    )


def downgrade() -> None:
    op.drop_table("reconciliation_discrepancies")
    op.drop_table("settled_operations")
