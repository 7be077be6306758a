"""An index on a request's reversals, so "does this ask stand" is a look-up, not a ledger scan

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entries_request_reversals",
        "ledger_entries",
        ["request_id"],
        sqlite_where=sa.text("kind = 'reversal'"),
        postgresql_where=sa.text("kind = 'reversal'"),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_request_reversals", table_name="ledger_entries")
