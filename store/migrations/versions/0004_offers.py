"""offers and seat reservations (issue 11)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("value", sa.String(length=50), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("fits_industries", sa.Text(), nullable=False),
        sa.Column("fits_products", sa.Text(), nullable=False),
        sa.Column("fits_segments", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_offers_seats_positive")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_offers_seats_not_overbooked")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_offers_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index("ix_offers_status_closes", ["status", "closes_on"], unique=False)

    op.create_table(
        "offer_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=True),
        sa.Column("hold_key", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reserved_by", sa.String(length=32), nullable=False),
        sa.Column("reserved_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_via", sa.String(length=20), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("invited_at", store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", store.models.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('reserved', 'accepted', 'delivered', 'declined', 'released')",
            name=op.f("ck_offer_seats_status_known"),
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_offer_seats_offer_id_offers")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_offer_seats_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_offer_seats_advocate_id_advocates")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_offer_seats_entry_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_seats")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_offer_seats_entry_id")),
        sa.UniqueConstraint("hold_key", name=op.f("uq_offer_seats_hold_key")),
    )
    with op.batch_alter_table("offer_seats", schema=None) as batch_op:
        batch_op.create_index("ix_offer_seats_offer_status", ["offer_id", "status"], unique=False)
        batch_op.create_index("ix_offer_seats_account_status", ["account_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("offer_seats")
    op.drop_table("offers")
