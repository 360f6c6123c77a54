"""Index the lessons already in the database (one created before search existed)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        from lessons.search import backend

        backend().index(None)


class Migration(migrations.Migration):
    dependencies = [("lessons", "0006_title_search_index")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
