"""Grow the bench (issue 21): nominations, NPS answers, the advocate's own page (time zone, times,
what they value, blackout dates), erasure (a pseudonymous advocate, the fingerprints of removed
addresses), outbox rows cancelled for someone removed, and the opaque ids the links to an
advocate's page and to an invitation carry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op

from store.models import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')"


def _delivery_statuses(allowed: str) -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status_known"), type_="check")
        batch.create_check_constraint("status_known", allowed)


advocates = sa.table("advocates", sa.column("id", sa.Integer), sa.column("public_id", sa.String))


def upgrade() -> None:
    # the id their page's link carries: opaque, like an ask's (0010), never the sequential one
    with op.batch_alter_table("advocates") as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.select(advocates.c.id)).all():
        connection.execute(
            advocates.update().where(advocates.c.id == row_id).values(public_id=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table("advocates") as batch:
        batch.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(op.f("uq_advocates_public_id"), ["public_id"])
    with op.batch_alter_table("advocates") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("times_that_suit", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("valued", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("value_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("joined_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("forgotten_at", UtcDateTime(), nullable=True))
    _delivery_statuses(NEW_STATUSES)

    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=True),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("activities", sa.Text(), nullable=False),
        sa.Column("nominated_by", sa.String(length=32), nullable=False),
        sa.Column("from_request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("open_key", sa.String(length=400), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("invited_at", UtcDateTime(), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("advocate_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'invited', 'joined', 'not_now', 'no_thanks', 'withdrawn')",
            name=op.f("ck_nominations_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_nominations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_nominations_advocate_id_advocates")
        ),
        sa.ForeignKeyConstraint(
            ["from_request_id"],
            ["reference_requests.id"],
            name=op.f("fk_nominations_from_request_id_reference_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("open_key", name=op.f("uq_nominations_open_key")),
        sa.UniqueConstraint("source_key", name=op.f("uq_nominations_source_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_nominations_public_id")),
    )
    op.create_index(op.f("ix_nominations_email"), "nominations", ["email"], unique=False)
    op.create_index("ix_nominations_status_created", "nominations", ["status", "created_at"], unique=False)
    op.create_index("ix_nominations_account_status", "nominations", ["account_id", "status"], unique=False)

    op.create_table(
        "nps_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_nps_answers_score_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_nps_answers_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_answers")),
        sa.UniqueConstraint("email", "answered_on", name=op.f("uq_nps_answers_email")),
    )
    op.create_index(
        "ix_nps_answers_account_answered", "nps_answers", ["account_id", "answered_on"], unique=False
    )

    op.create_table(
        "advocate_blackouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_advocate_blackouts_dates_in_order")),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_advocate_blackouts_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_blackouts")),
    )
    op.create_index(
        op.f("ix_advocate_blackouts_advocate_id"), "advocate_blackouts", ["advocate_id"], unique=False
    )

    op.create_table(
        "forgotten_addresses",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("forgotten_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_forgotten_addresses")),
    )


def downgrade() -> None:
    op.drop_table("forgotten_addresses")
    op.drop_index(op.f("ix_advocate_blackouts_advocate_id"), table_name="advocate_blackouts")
    op.drop_table("advocate_blackouts")
    op.drop_index("ix_nps_answers_account_answered", table_name="nps_answers")
    op.drop_table("nps_answers")
    op.drop_index("ix_nominations_account_status", table_name="nominations")
    op.drop_index("ix_nominations_status_created", table_name="nominations")
    op.drop_index(op.f("ix_nominations_email"), table_name="nominations")
    op.drop_table("nominations")
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'cancelled'")
    _delivery_statuses(OLD_STATUSES)
    with op.batch_alter_table("advocates") as batch:
        batch.drop_constraint(op.f("uq_advocates_public_id"), type_="unique")
        for column in (
            "public_id",
            "forgotten_at",
            "joined_at",
            "value_note",
            "valued",
            "times_that_suit",
            "time_zone",
        ):
            batch.drop_column(column)
