"""Payments that are not a card's (PayPal): the payment's method, the card's columns optional

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARD_COLUMNS = (
    ("card_token", sa.String(255)),
    ("card_brand", sa.String(32)),
    ("card_last4", sa.String(4)),
    ("card_exp_month", sa.Integer()),
    ("card_exp_year", sa.Integer()),
    ("card_fingerprint", sa.String(64)),
)


def upgrade() -> None:
    op.add_column(
        "payments",
        sa.Column("payment_method", sa.String(16), server_default="card", nullable=False),
    )
    for name, kind in CARD_COLUMNS:
        op.alter_column("payments", name, existing_type=kind, nullable=True)


def downgrade() -> None:
    # Only possible while every payment is a card's (PayPal payments have none to keep).
    for name, kind in CARD_COLUMNS:
        op.alter_column("payments", name, existing_type=kind, nullable=False)
    op.drop_column("payments", "payment_method")
