"""Each account's asks of the last 12 months kept beside its balance, counted from a day that the
daily `asks-window` job moves forward (until it first runs, find sums them from the entries)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kept_balances", sa.Column("asked", sa.Integer(), server_default="0", nullable=False))
    op.add_column("kept_balances", sa.Column("asked_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kept_balances") as batch:
        batch.drop_column("asked_since")
        batch.drop_column("asked")
