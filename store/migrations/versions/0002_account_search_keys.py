"""case-folded search keys for an account's segment, region, products and CRM id

Search compared `lower(column)`, which SQLite folds for ASCII only ("MÜNCHEN" stayed "mÜnchen"):
the keys are folded in Python on write, the same for both databases. Existing rows are backfilled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: searched field → its key column
KEYS = {"segment": "segment_key", "region": "region_key", "products": "products_key", "crm_id": "crm_key"}

accounts = sa.table(
    "accounts",
    sa.column("id", sa.Integer()),
    *(sa.column(name, sa.Text()) for pair in KEYS.items() for name in pair),
)


def _fold(text: str | None) -> str:
    """`store.models.normalize` as of this revision: a later change to it needs its own migration."""
    return " ".join((text or "").split()).casefold()


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for key in KEYS.values():
            batch_op.add_column(sa.Column(key, sa.Text(), server_default="", nullable=False))

    bind = op.get_bind()
    rows = bind.execute(sa.select(accounts.c.id, *(accounts.c[field] for field in KEYS))).all()
    if rows:
        bind.execute(
            sa.update(accounts)
            .where(accounts.c.id == sa.bindparam("account_id"))
            .values({key: sa.bindparam(f"new_{key}") for key in KEYS.values()}),
            [
                {
                    "account_id": row.id,
                    **{f"new_{key}": _fold(row._mapping[field]) for field, key in KEYS.items()},
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for key in reversed(KEYS.values()):
            batch_op.drop_column(key)
