"""Index operations for migrations on tables that keep being written: CONCURRENTLY where PostgreSQL runs them, plain
elsewhere (the quickstart's SQLite has no such option and no million reports to keep writing to). A migration using
them sets `atomic = False`: PostgreSQL builds an index concurrently outside a transaction only."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


def _on_postgresql(concurrent, plain):
    class Operation(concurrent):
        def database_forwards(self, app_label, schema_editor, from_state, to_state):
            base = concurrent if schema_editor.connection.vendor == "postgresql" else plain
            return base.database_forwards(self, app_label, schema_editor, from_state, to_state)

        def database_backwards(self, app_label, schema_editor, from_state, to_state):
            base = concurrent if schema_editor.connection.vendor == "postgresql" else plain
            return base.database_backwards(self, app_label, schema_editor, from_state, to_state)

    Operation.__name__ = Operation.__qualname__ = f"{concurrent.__name__}OnPostgreSQL"
    return Operation


AddIndexConcurrentlyOnPostgreSQL = _on_postgresql(AddIndexConcurrently, migrations.AddIndex)
RemoveIndexConcurrentlyOnPostgreSQL = _on_postgresql(RemoveIndexConcurrently, migrations.RemoveIndex)
