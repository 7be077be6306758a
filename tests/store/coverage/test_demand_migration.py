"""Migration 0012 on both databases: requests made before it get their demand row from their
account and linked deal as they are at the upgrade."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from store.db import alembic_config
from store.models import Demand, DemandSource
from tests.support.database import open_database

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_requests_made_before_demand_get_theirs_from_todays_account_and_deal(db_url: str) -> None:
    database = open_database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), "0007")
        with database.engine.begin() as connection:
            meta = sa.MetaData()
            accounts, requests, deals, links = (
                sa.Table(name, meta, autoload_with=connection)
                for name in ("accounts", "reference_requests", "opportunities", "opportunity_links")
            )
            [acme] = connection.execute(
                sa.insert(accounts).returning(accounts.c.id),
                [
                    {
                        "name": "Acme",
                        "name_key": "acme",
                        "industry": "Healthcare",
                        "industry_key": "healthcare",
                        "segment": "Enterprise",
                        "region": "EMEA",
                        "products": "Records;Billing",
                        "status": "active",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                ],
            ).scalars()
            request = {
                "account_id": acme,
                "requester_id": "U0SELLER1",
                "activity": "reference_call",
                "cost": 3,
                "opportunity_name": "",
                "prospect_industry": "Hospitals",
                "context": "",
                "status": "done",
                "created_at": NOW,
            }
            linked, plain = connection.execute(
                sa.insert(requests).returning(requests.c.id),
                [{**request, "amount": 5000}, {**request, "activity": "quote", "cost": 2, "amount": None}],
            ).scalars()
            [deal] = connection.execute(
                sa.insert(deals).returning(deals.c.id),
                [
                    {
                        "crm_id": "O1",
                        "name": "",
                        "stage": "Closed won",
                        "currency": "USD",
                        "outcome": "won",
                        "close_date": NOW.date(),
                        "imported_at": NOW,
                    }
                ],
            ).scalars()
            connection.execute(sa.insert(links), [{"request_id": linked, "opportunity_id": deal}])

        database.upgrade()

        with database.transaction() as session:
            rows = session.scalars(select(Demand).order_by(Demand.request_id)).all()
        assert [
            (
                r.key,
                r.source,
                r.request_id,
                r.activity,
                r.industry,
                r.segment,
                r.region,
                r.products,
                r.prospect_industry,
                r.deal_stage,
                r.amount,
                r.created_at,
            )
            for r in rows
        ] == [
            (
                f"request:{linked}",
                DemandSource.REQUEST,
                linked,
                "reference_call",
                "Healthcare",
                "Enterprise",
                "EMEA",
                "Records;Billing",
                "Hospitals",
                "Closed won",
                5000,
                NOW,
            ),
            (
                f"request:{plain}",
                DemandSource.REQUEST,
                plain,
                "quote",
                "Healthcare",
                "Enterprise",
                "EMEA",
                "Records;Billing",
                "Hospitals",
                "",
                None,
                NOW,
            ),
        ]
    finally:
        database.dispose()
