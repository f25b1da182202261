"""A later run carries every fact the first had: the payment's route, the operation whose
outcome is unknown, and when the processor will release the hold by itself

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The processors the payment may authorize on, in order, each with its token.
    op.add_column(
        "payments",
        sa.Column(
            "route", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
    )
    # {"operation": "capture" | "refund" | "void", "amount": ..., "refund_id": ...} while the
    # payment is outcome_unknown: any run can look it up again or take an operator's verdict.
    op.add_column("payments", sa.Column("unknown_operation", postgresql.JSONB()))
    # When the processor says it releases the hold by itself (Stripe's capture_before).
    op.add_column("payments", sa.Column("authorization_expires_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("payments", "authorization_expires_at")
    op.drop_column("payments", "unknown_operation")
    op.drop_column("payments", "route")
