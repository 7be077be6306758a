"""Offers keep the modal they were created from (`source_key`, unique), so a New offer modal sent
twice (a retry after a slow save) creates one offer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("source_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint(op.f("uq_offers_source_key"), ["source_key"])


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint(op.f("uq_offers_source_key"), type_="unique")
        batch.drop_column("source_key")
