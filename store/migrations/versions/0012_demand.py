"""Coverage (issue 22): demand, what each request and each unmet search needed; a deal's industry

Existing requests get their demand row from what their account looks like today (its industry,
segment, region and products) and their deal's stage from the opportunity they are linked to
today: what they were at the time is not kept anywhere else, so today's values are the best
reading of it. Every request saved from now on records its own, at submit.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.String(length=50), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("products", sa.Text(), nullable=False),
        sa.Column("prospect_industry", sa.String(length=100), nullable=False),
        sa.Column("deal_stage", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("blocked_by", sa.Text(), nullable=False),
        sa.Column("tell_on", sa.Date(), nullable=True),
        sa.Column("created_at", store.models.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('request', 'search', 'nothing_fits')", name=op.f("ck_demand_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["reference_requests.id"], name=op.f("fk_demand_request_id_reference_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand")),
        sa.UniqueConstraint("key", name=op.f("uq_demand_key")),
        sa.UniqueConstraint("request_id", name=op.f("uq_demand_request_id")),
    )
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.create_index("ix_demand_created", ["created_at"], unique=False)
        batch_op.create_index("ix_demand_source_tell", ["source", "tell_on"], unique=False)
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("industry", sa.String(length=100), server_default="", nullable=False))
    _backfill()


def _backfill() -> None:
    """One demand row per existing request, from today's account and linked deal."""
    meta = sa.MetaData()
    requests = sa.Table("reference_requests", meta, autoload_with=op.get_bind())
    accounts = sa.Table("accounts", meta, autoload_with=op.get_bind())
    links = sa.Table("opportunity_links", meta, autoload_with=op.get_bind())
    deals = sa.Table("opportunities", meta, autoload_with=op.get_bind())
    demand = sa.Table("demand", meta, autoload_with=op.get_bind())
    rows = (
        sa.select(
            sa.literal("request:") + sa.cast(requests.c.id, sa.String),
            sa.literal("request"),
            requests.c.id,
            requests.c.requester_id,
            requests.c.activity,
            accounts.c.industry,
            accounts.c.segment,
            accounts.c.region,
            accounts.c.products,
            requests.c.prospect_industry,
            sa.func.coalesce(deals.c.stage, ""),
            requests.c.amount,
            sa.literal(""),
            sa.literal(""),
            requests.c.created_at,
        )
        .select_from(requests)
        .join(accounts, accounts.c.id == requests.c.account_id)
        .outerjoin(links, links.c.request_id == requests.c.id)
        .outerjoin(deals, deals.c.id == links.c.opportunity_id)
    )
    columns = [
        "key",
        "source",
        "request_id",
        "requester_id",
        "activity",
        "industry",
        "segment",
        "region",
        "products",
        "prospect_industry",
        "deal_stage",
        "amount",
        "words",
        "blocked_by",
        "created_at",
    ]
    op.execute(demand.insert().from_select(columns, rows))


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_column("industry")
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.drop_index("ix_demand_source_tell")
        batch_op.drop_index("ix_demand_created")
    op.drop_table("demand")
