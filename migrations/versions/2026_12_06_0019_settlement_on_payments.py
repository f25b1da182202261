"""Settlement shown on the payment and in its events; discrepancies' events, escalation and
resolution (#32)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("payments", sa.Column("settlement", JSONB()))
    op.add_column(
        "reconciliation_discrepancies",
        sa.Column("event_sequence", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("reconciliation_discrepancies", sa.Column("escalated_at", Timestamp))
    op.add_column("reconciliation_discrepancies", sa.Column("resolution", sa.Text()))


def downgrade() -> None:
    op.drop_column("reconciliation_discrepancies", "resolution")
    op.drop_column("reconciliation_discrepancies", "escalated_at")
    op.drop_column("reconciliation_discrepancies", "event_sequence")
    op.drop_column("payments", "settlement")
