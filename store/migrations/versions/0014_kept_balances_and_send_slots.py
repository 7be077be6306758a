"""Each account's balance kept beside the ledger, the asks' index covering their amounts, and the
slots every sending process books its posts in

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-05 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kept_balances_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_kept_balances")),
    )
    # the sums as the entries have them now; from here on each entry's transaction keeps its own
    op.execute(
        "INSERT INTO kept_balances (account_id, total) "
        "SELECT account_id, SUM(amount) FROM ledger_entries GROUP BY account_id"
    )
    op.drop_index("ix_ledger_entries_account_kind_occurred", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_account_kind_occurred",
        "ledger_entries",
        ["account_id", "kind", "occurred_on", "amount"],
    )
    op.create_table(
        "send_slots",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_slots")),
    )


def downgrade() -> None:
    op.drop_table("send_slots")
    op.drop_index("ix_ledger_entries_account_kind_occurred", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_account_kind_occurred", "ledger_entries", ["account_id", "kind", "occurred_on"]
    )
    op.drop_table("kept_balances")
