"""accounts: every key, payment and idempotency key belongs to one account

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keys and payments made before accounts existed move to this one.
DEFAULT_ACCOUNT = "acct_default"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("rate_limit_burst", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.execute(f"INSERT INTO accounts (id, name) VALUES ('{DEFAULT_ACCOUNT}', 'default')")

    op.add_column("api_keys", sa.Column("account_id", sa.String(length=32), nullable=True))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(f"UPDATE api_keys SET account_id = '{DEFAULT_ACCOUNT}'")
    op.alter_column("api_keys", "account_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_api_keys_account_id_accounts"), "api_keys", "accounts", ["account_id"], ["id"]
    )
    op.create_index("ix_api_keys_account_id", "api_keys", ["account_id"])

    op.add_column("payments", sa.Column("account_id", sa.String(length=32), nullable=True))
    op.execute(f"UPDATE payments SET account_id = '{DEFAULT_ACCOUNT}'")
    op.alter_column("payments", "account_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_payments_account_id_accounts"), "payments", "accounts", ["account_id"], ["id"]
    )
    op.create_index("ix_payments_account_id_created_at", "payments", ["account_id", "created_at"])

    # Idempotency keys per account: the key's account replaces the key itself.
    op.add_column("idempotency_records", sa.Column("account_id", sa.String(length=32)))
    op.execute(
        "UPDATE idempotency_records r SET account_id = k.account_id"
        " FROM api_keys k WHERE k.id = r.api_key_id"
    )
    op.execute(
        f"UPDATE idempotency_records SET account_id = '{DEFAULT_ACCOUNT}' WHERE account_id IS NULL"
    )
    # Two keys of one account may hold the same Idempotency-Key: keep the newest claim.
    op.execute(
        "DELETE FROM idempotency_records r USING idempotency_records o"
        " WHERE r.account_id = o.account_id AND r.key = o.key AND r.created_at < o.created_at"
    )
    op.drop_constraint(op.f("pk_idempotency_records"), "idempotency_records", type_="primary")
    op.drop_column("idempotency_records", "api_key_id")
    op.alter_column("idempotency_records", "account_id", nullable=False)
    op.create_primary_key(
        op.f("pk_idempotency_records"), "idempotency_records", ["account_id", "key"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("pk_idempotency_records"), "idempotency_records", type_="primary")
    op.alter_column("idempotency_records", "account_id", new_column_name="api_key_id")
    op.create_primary_key(
        op.f("pk_idempotency_records"), "idempotency_records", ["api_key_id", "key"]
    )
    op.drop_index("ix_payments_account_id_created_at", table_name="payments")
    op.drop_constraint(op.f("fk_payments_account_id_accounts"), "payments", type_="foreignkey")
    op.drop_column("payments", "account_id")
    op.drop_index("ix_api_keys_account_id", table_name="api_keys")
    op.drop_constraint(op.f("fk_api_keys_account_id_accounts"), "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "last_used_at")
    op.drop_column("api_keys", "expires_at")
    op.drop_column("api_keys", "account_id")
    op.drop_table("accounts")
