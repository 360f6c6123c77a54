"""PostgreSQL: a GIN index on the title's tsvector, so title matches rank first cheaply."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS lesson_title_vector_gin ON lessons_lesson "
            "USING gin (to_tsvector('english'::regconfig, title))"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lesson_title_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("lessons", "0005_usefulness")]

    operations = [migrations.RunPython(forward, backward)]
