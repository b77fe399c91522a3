"""Moving the test database between migrations, for the tests of data migrations."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    """Migrate forwards or backwards to ``targets``; the executor knows their states."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def migrate_to_the_end() -> None:
    """Back to every app's latest migration, as the other tests expect the schema."""
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
