"""money safety: outcome_unknown status, reasons as long as the API allows, key generations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = (
    "'pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'failed', 'canceled'"
)
NEW_STATUSES = OLD_STATUSES + ", 'outcome_unknown'"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_payments_status_known"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_status_known"), "payments", f"status IN ({NEW_STATUSES})"
    )
    # A cancel's reason (up to 255 characters at the API) is stored on the refund it makes.
    op.alter_column(
        "refunds",
        "reason",
        type_=sa.String(length=255),
        existing_type=sa.String(length=64),
        existing_nullable=True,
    )
    op.add_column(
        "idempotency_records",
        sa.Column("generation", sa.String(length=32), server_default=sa.text("''"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("idempotency_records", "generation")
    op.alter_column(
        "refunds",
        "reason",
        type_=sa.String(length=64),
        existing_type=sa.String(length=255),
        existing_nullable=True,
    )
    op.drop_constraint(op.f("ck_payments_status_known"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_status_known"), "payments", f"status IN ({OLD_STATUSES})"
    )
