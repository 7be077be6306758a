"""Earn the customer's yes (issue 19): opaque ids in links (requests' and offer seats'), the ask in
the customer's words, the owner's own line, the customer's no and the requester's withdrawal as
states of their own, the new answers, and the colleagues advocates name

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-07 10:00:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op

from store.models import UtcDateTime

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'approved', 'declined', 'cancelled', 'done', 'fell_through')"
NEW_STATUSES = (
    "status IN ('pending', 'approved', 'declined', 'customer_declined', 'cancelled', 'withdrawn', "
    "'done', 'fell_through')"
)
OLD_ANSWERS = "answer IS NULL OR answer IN ('yes', 'not_this_time', 'not_this_quarter', 'never')"
NEW_ANSWERS = (
    "answer IS NULL OR answer IN ('yes', 'not_this_time', 'not_for_3_months', 'less_often', 'never', "
    "'someone_else')"
)
#: how the customer's no was told apart from the owner's before it had a status of its own
DECLINED_BY_CUSTOMER = "Declined by the customer."

requests = sa.table(
    "reference_requests",
    sa.column("id", sa.Integer),
    sa.column("public_id", sa.String),
    sa.column("status", sa.String),
    sa.column("decision_reason", sa.Text),
)
consents = sa.table("consents", sa.column("answer", sa.String))
seats = sa.table("offer_seats", sa.column("id", sa.Integer), sa.column("public_id", sa.String))


def _opaque_ids(table: sa.TableClause) -> None:
    """A random public id for each row written before the column existed (links carry it)."""
    with op.batch_alter_table(table.name) as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.select(table.c.id)).all():
        connection.execute(
            table.update().where(table.c.id == row_id).values(public_id=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table(table.name) as batch:
        batch.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(op.f(f"uq_{table.name}_public_id"), ["public_id"])


def upgrade() -> None:
    _opaque_ids(requests)
    _opaque_ids(seats)
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(
            sa.Column("prospect_company", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("topic", sa.Text(), nullable=False, server_default=""))
        batch.drop_constraint(op.f("ck_reference_requests_status_known"), type_="check")
    connection = op.get_bind()
    # the customer's no was a `declined` with this reason: it gets its own status, never the owner's
    connection.execute(
        requests.update()
        .where(requests.c.status == "declined", requests.c.decision_reason == DECLINED_BY_CUSTOMER)
        .values(status="customer_declined")
    )
    with op.batch_alter_table("reference_requests") as batch:
        batch.create_check_constraint(op.f("ck_reference_requests_status_known"), NEW_STATUSES)

    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("owner_line", sa.Text(), nullable=False, server_default=""))
        batch.drop_constraint(op.f("ck_consents_answer_known"), type_="check")
    # "Not this quarter" became "Not for 3 months": the rest already recorded (`rest_until`) stands
    connection.execute(
        consents.update().where(consents.c.answer == "not_this_quarter").values(answer="not_for_3_months")
    )
    with op.batch_alter_table("consents") as batch:
        batch.create_check_constraint(op.f("ck_consents_answer_known"), NEW_ANSWERS)

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"], ["advocates.id"], name=op.f("fk_referrals_advocate_id_advocates")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["reference_requests.id"], name=op.f("fk_referrals_request_id_reference_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("request_id", name=op.f("uq_referrals_request_id")),
    )
    op.create_index(op.f("ix_referrals_advocate_id"), "referrals", ["advocate_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_referrals_advocate_id"), table_name="referrals")
    op.drop_table("referrals")
    connection = op.get_bind()
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint(op.f("ck_consents_answer_known"), type_="check")
    connection.execute(
        consents.update()
        .where(consents.c.answer.in_(["not_for_3_months", "less_often", "someone_else"]))
        .values(answer="not_this_quarter")
    )
    with op.batch_alter_table("consents") as batch:
        batch.create_check_constraint(op.f("ck_consents_answer_known"), OLD_ANSWERS)
        batch.drop_column("owner_line")
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_constraint(op.f("ck_reference_requests_status_known"), type_="check")
    connection.execute(
        requests.update()
        .where(requests.c.status == "customer_declined")
        .values(status="declined", decision_reason=DECLINED_BY_CUSTOMER)
    )
    connection.execute(
        requests.update().where(requests.c.status == "withdrawn").values(status="fell_through")
    )
    with op.batch_alter_table("reference_requests") as batch:
        batch.create_check_constraint(op.f("ck_reference_requests_status_known"), OLD_STATUSES)
        batch.drop_constraint(op.f("uq_reference_requests_public_id"), type_="unique")
        batch.drop_column("topic")
        batch.drop_column("prospect_company")
        batch.drop_column("public_id")
    with op.batch_alter_table("offer_seats") as batch:
        batch.drop_constraint(op.f("uq_offer_seats_public_id"), type_="unique")
        batch.drop_column("public_id")
