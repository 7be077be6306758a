"""CRM opportunity outcomes (issue 12): opportunities and the requests made for them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("imported_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('open', 'won', 'lost')", name=op.f("ck_opportunities_outcome_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("crm_id", name=op.f("uq_opportunities_crm_id")),
    )
    op.create_table(
        "opportunity_links",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_links_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
            name=op.f("fk_opportunity_links_request_id_reference_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_opportunity_links")),
    )
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_links_opportunity_id"), ["opportunity_id"], unique=False
        )
    overrides = sa.and_(sa.column("kind") == "ask", sa.column("reason").is_not(None))
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_override_created",
            ["created_at"],
            unique=False,
            sqlite_where=overrides,
            postgresql_where=overrides,
        )
    with op.batch_alter_table("reference_requests", schema=None) as batch_op:
        batch_op.create_index("ix_reference_requests_status_closed", ["status", "closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reference_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_requests_status_closed")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_override_created")
    with op.batch_alter_table("opportunity_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_links_opportunity_id"))
    op.drop_table("opportunity_links")
    op.drop_table("opportunities")
