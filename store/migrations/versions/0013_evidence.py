"""evidence: a customer's own words with their advocate's approval, and each use (issue 23).
The advocate's links (**Share a few words**) carry the public id 0011 gave every advocate.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("drafted_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("places", sa.String(length=100), nullable=False),
        sa.Column("name_as", sa.String(length=30), nullable=True),
        sa.Column("attributed_as", sa.Text(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=True),
        sa.Column("approved_at", store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=32), nullable=True),
        sa.Column("withdrawn_at", store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("source_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('awaiting', 'approved', 'withdrawn')", name=op.f("ck_evidence_status_known")
        ),
        sa.CheckConstraint(
            "name_as IS NULL OR name_as IN ('name_title_company', 'title_company', 'company', 'anonymous')",
            name=op.f("ck_evidence_name_as_known"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR (name_as IS NOT NULL AND expires_on IS NOT NULL AND places <> '')",
            name=op.f("ck_evidence_approval_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_evidence_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_evidence_advocate_id_advocates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("source_key", name=op.f("uq_evidence_source_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_evidence_public_id")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_status_expires", ["status", "expires_on"], unique=False)
        batch_op.create_index("ix_evidence_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index("ix_evidence_advocate", ["advocate_id"], unique=False)

    op.create_table(
        "evidence_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("used_by", sa.String(length=32), nullable=False),
        sa.Column("opportunity_name", sa.String(length=200), nullable=False),
        sa.Column("crm_link", sa.String(length=500), nullable=True),
        sa.Column("place", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("instead_of", sa.String(length=50), nullable=True),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("used_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_evidence_uses_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
            name=op.f("fk_evidence_uses_request_id_reference_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_uses")),
        sa.UniqueConstraint("request_id", name=op.f("uq_evidence_uses_request_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_evidence_uses_source_key")),
    )
    with op.batch_alter_table("evidence_uses", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_uses_evidence", ["evidence_id", "used_at"], unique=False)
        batch_op.create_index("ix_evidence_uses_used_at", ["used_at"], unique=False)


def downgrade() -> None:
    op.drop_table("evidence_uses")
    op.drop_table("evidence")
