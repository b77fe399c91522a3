"""PostgreSQL: a GIN index on the stored stemmed terms of an aspiration
(decision 010). The terms are already Indonesian stems (``textsearch.index_text``),
so they are indexed with the ``simple`` configuration, which does not stem them a
second time; queries are stemmed by the ``indonesian`` configuration. The
expression is exactly the one ``selectors.aspiration_search`` filters on, so the
planner uses it. SQLite searches the same column by term containment."""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS asp_text_fts ON aspirations_aspiration "
    "USING gin (to_tsvector('simple'::regconfig, search_terms))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS asp_text_fts")


class Migration(migrations.Migration):
    dependencies = [("aspirations", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
