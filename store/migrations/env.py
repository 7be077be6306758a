"""Alembic environment: migrations run on the engine handed over by `store.db`.

On SQLite a migration that changes a constraint rebuilds the table (Alembic's batch mode: copy,
drop, rename back). Rows of other tables that point at it would stop the drop, so foreign keys
are switched off around the migrations (SQLite obeys that pragma only outside a transaction, so on
the driver's connection, before the first statement) and checked once they have run.
"""

from alembic import context

from store.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("a migration left rows pointing at rows that do not exist")
        connection.commit()
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
