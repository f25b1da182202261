"""Customer actions: the requires_action status, where the customer returns, the action's page;
a card's funding

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = (
    "'pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'failed', 'canceled',"
    " 'outcome_unknown'"
)
NEW_STATUSES = OLD_STATUSES + ", 'requires_action'"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_payments_status_known"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_status_known"), "payments", f"status IN ({NEW_STATUSES})"
    )
    op.add_column("payments", sa.Column("return_url", sa.String(2048), nullable=True))
    op.add_column("payments", sa.Column("action_url", sa.Text(), nullable=True))
    op.add_column(
        "payments", sa.Column("action_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("payments", sa.Column("card_funding", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("payments", "card_funding")
    op.drop_column("payments", "action_expires_at")
    op.drop_column("payments", "action_url")
    op.drop_column("payments", "return_url")
    op.drop_constraint(op.f("ck_payments_status_known"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_status_known"), "payments", f"status IN ({OLD_STATUSES})"
    )
