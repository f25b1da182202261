"""Gateway calls noted before they go out: a step run again after a lost workflow task looks
its key up first

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_sends",
        sa.Column("idempotency_key", sa.String(255), primary_key=True),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("gateway_sends")
