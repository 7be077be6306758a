"""Migration 0010 on both databases: requests written before it get an opaque id each, a customer's
no recorded as a `declined` becomes `customer_declined`, "Not this quarter" becomes "Not for 3
months" with its rest kept, and it rolls back and forward."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from store.db import Database, alembic_config
from store.models import ReferenceRequest
from tests.support.database import open_database

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def _seed_before(database: Database) -> None:
    with database.engine.begin() as connection:
        meta = sa.MetaData()
        accounts = sa.Table("accounts", meta, autoload_with=connection)
        advocates = sa.Table("advocates", meta, autoload_with=connection)
        requests = sa.Table("reference_requests", meta, autoload_with=connection)
        consents = sa.Table("consents", meta, autoload_with=connection)
        connection.execute(
            sa.insert(accounts).values(
                id=1,
                name="Acme",
                name_key="acme",
                status="active",
                created_at=NOW,
                updated_at=NOW,
                **dict.fromkeys(("industry", "industry_key", "segment", "region", "products"), ""),
            )
        )
        connection.execute(
            sa.insert(advocates).values(
                id=1, account_id=1, name="Jane", person_key="jane", title="", activities="logo"
            )
        )
        base = {
            "account_id": 1,
            "requester_id": "U1",
            "activity": "logo",
            "cost": 1,
            "created_at": NOW,
            **dict.fromkeys(("opportunity_name", "prospect_industry", "context"), ""),
        }
        connection.execute(
            sa.insert(requests),
            [
                {**base, "id": 1, "status": "declined", "decision_reason": "Not now, renewal."},
                {**base, "id": 2, "status": "declined", "decision_reason": "Declined by the customer."},
                {**base, "id": 3, "status": "approved", "decision_reason": None},
            ],
        )
        connection.execute(
            sa.insert(consents),
            [
                {
                    "request_id": 2,
                    "advocate_id": 1,
                    "mode": "email",
                    "answer": "not_this_quarter",
                    "note": "",
                    "times": "",
                    "rest_until": dt.date(2026, 12, 31),
                    "version": 1,
                    "asked_at": NOW,
                }
            ],
        )


def test_requests_before_it_get_an_opaque_id_and_the_customer_s_no_its_own_state(db_url: str) -> None:
    database = open_database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), "0007")
        _seed_before(database)

        database.upgrade()

        with database.engine.begin() as connection:
            rows = connection.execute(
                sa.text("SELECT id, status, public_id FROM reference_requests ORDER BY id")
            ).all()
            answer, rest = connection.execute(sa.text("SELECT answer, rest_until FROM consents")).one()
        assert [(r.id, r.status) for r in rows] == [
            (1, "declined"),
            (2, "customer_declined"),
            (3, "approved"),
        ]
        ids = [r.public_id for r in rows]
        assert len(set(ids)) == 3 and all(len(i) == 22 and not i.isdigit() for i in ids)
        assert answer == "not_for_3_months" and str(rest) == "2026-12-31"
        with database.transaction() as session:
            session.add(
                ReferenceRequest(
                    id=4, account_id=1, requester_id="U1", activity="logo", cost=1, created_at=NOW
                )
            )
            session.flush()
            assert session.scalar(sa.select(sa.func.count(sa.distinct(ReferenceRequest.public_id)))) == 4

        command.downgrade(alembic_config(database.engine), "0007")
        with database.engine.begin() as connection:
            statuses = connection.execute(
                sa.text("SELECT status FROM reference_requests ORDER BY id")
            ).scalars()
            assert list(statuses) == ["declined", "declined", "approved", "pending"]
            assert connection.execute(sa.text("SELECT answer FROM consents")).scalar() == "not_this_quarter"
        database.upgrade()
        current, head = database.schema_revision()
        assert current == head, "forward again to the head, whichever revisions follow 0010"
    finally:
        database.dispose()
