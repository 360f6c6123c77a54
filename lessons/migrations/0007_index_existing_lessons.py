"""Index the lessons already in the database (one created before search existed).

Emptied: 0012 indexes every lesson, with what the index holds since; the backend's code is
always the latest, so it cannot run against the index as it was here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("lessons", "0006_title_search_index")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
