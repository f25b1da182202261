"""payments.captured_at: the refund window is a rule checked against the row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payments", sa.Column("captured_at", sa.DateTime(timezone=True)))
    # Before this, the window ran from the payment's creation: keep it so for captured rows.
    op.execute("UPDATE payments SET captured_at = created_at WHERE amount_captured > 0")


def downgrade() -> None:
    op.drop_column("payments", "captured_at")
