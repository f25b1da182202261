"""What a payment's authorization asked of the processor, so a later run asks the same: our
return route the processor sends the customer back to, and whether 3-D Secure was requested

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payments", sa.Column("customer_return_url", sa.Text()))
    op.add_column(
        "payments",
        sa.Column(
            "request_three_d_secure", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("payments", "request_three_d_secure")
    op.drop_column("payments", "customer_return_url")
