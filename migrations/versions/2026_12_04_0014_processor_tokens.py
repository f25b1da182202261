"""Processor tokens belong to one account: the owner of every token payments already used

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processor_tokens",
        sa.Column("processor", sa.String(32), primary_key=True),
        sa.Column("token", sa.String(255), primary_key=True),
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    # The tokens payments used so far belong to the account that paid with them first: every
    # route entry, and the card token of rows on one processor (Authorize.Net's by its prefix
    # on rows from before routing).
    op.execute(
        """
        INSERT INTO processor_tokens (processor, token, account_id, created_at)
        SELECT DISTINCT ON (processor, token) processor, token, account_id, created_at
        FROM (
            SELECT entry ->> 'processor' AS processor, entry ->> 'token' AS token,
                   account_id, created_at
            FROM payments, jsonb_array_elements(route) AS entry
            UNION ALL
            SELECT COALESCE(processor, 'authorizenet'), card_token, account_id, created_at
            FROM payments
            WHERE processor IS NOT NULL OR card_token LIKE 'anet\\_%'
        ) AS used
        WHERE processor IS NOT NULL AND token IS NOT NULL
        ORDER BY processor, token, created_at
        ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    op.drop_table("processor_tokens")
