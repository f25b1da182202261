"""Routing: the processor a payment is on, and the processor of each attempt

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # None on rows from before routing: the deployment's GATEWAY_KIND.
    op.add_column("payments", sa.Column("processor", sa.String(32)))
    op.add_column("payment_attempts", sa.Column("processor", sa.String(32)))


def downgrade() -> None:
    op.drop_column("payment_attempts", "processor")
    op.drop_column("payments", "processor")
