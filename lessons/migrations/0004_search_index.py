"""Database-specific full-text structures.

PostgreSQL: a GIN index on the stored tsvector, and the wide text columns stored out of line
so that counting and faceting scan narrow rows. SQLite: an FTS5 table with porter stemming.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS lesson_search_vector_gin "
    "ON lessons_lesson USING gin (search_vector)",
    "ALTER TABLE lessons_lesson SET (toast_tuple_target = 128)",
    *(
        f"ALTER TABLE lessons_lesson ALTER COLUMN {column} SET STORAGE EXTERNAL"
        for column in ("summary", "context", "root_cause", "recommendation", "early_warning")
    ),
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS lesson_search_vector_gin"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS lessons_lesson_fts USING fts5("
    "title, summary, tags, body, tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS lessons_lesson_fts"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in statements.get(vendor, []):
            schema_editor.execute(statement)
        # Existing lessons are indexed by migration 0012, once every index column exists.

    return run


FORWARD = {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}
BACKWARD = {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0003_search_vector"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
