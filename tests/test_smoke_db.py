from store.db import Database


def test_migrated_schema_is_current(db: Database) -> None:
    current, head = db.schema_revision()
    assert current is not None and current == head
