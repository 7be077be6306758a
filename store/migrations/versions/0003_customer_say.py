"""the customer's say: advocate answers and ratings (issue 10)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from store.models import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(
            sa.Column("prospect_name_shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # a customer's "yes" after a "no" reverses the reversal: a request's reversals chain (each
    # entry reversed once, by `reverses_id`), while its ask and give stay one each
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint("uq_ledger_entries_request_kind", type_="unique")
    op.create_index(
        "uq_ledger_entries_request_kind",
        "ledger_entries",
        ["request_id", "kind"],
        unique=True,
        sqlite_where=sa.text("kind <> 'reversal'"),
        postgresql_where=sa.text("kind <> 'reversal'"),
    )
    op.create_table(
        "consents",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("times", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("rest_until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("mode IN ('email', 'owner')", name=op.f("ck_consents_mode_known")),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('yes', 'not_this_time', 'not_this_quarter', 'never')",
            name=op.f("ck_consents_answer_known"),
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_consents_advocate_id_advocates")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["reference_requests.id"], name=op.f("fk_consents_request_id_reference_requests")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_advocate_id"), "consents", ["advocate_id"], unique=False)
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=True),
        sa.Column("rater", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("deal_moved", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("rater IN ('requester', 'advocate')", name=op.f("ck_ratings_rater_known")),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ratings_score_range")),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_ratings_advocate_id_advocates")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["reference_requests.id"], name=op.f("fk_ratings_request_id_reference_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("request_id", "rater", name="uq_ratings_request_rater"),
    )
    op.create_index(
        "ix_ratings_advocate_created", "ratings", ["advocate_id", "rater", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ratings_advocate_created", table_name="ratings")
    op.drop_table("ratings")
    op.drop_index(op.f("ix_consents_advocate_id"), table_name="consents")
    op.drop_table("consents")
    op.drop_index("uq_ledger_entries_request_kind", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.create_unique_constraint("uq_ledger_entries_request_kind", ["request_id", "kind"])
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("prospect_name_shared")
