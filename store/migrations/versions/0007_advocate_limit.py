"""An advocate's own limit of asks a quarter ("Ask me less often", their page)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("advocates") as batch:
        batch.add_column(sa.Column("asks_per_quarter", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("advocates") as batch:
        batch.drop_column("asks_per_quarter")
