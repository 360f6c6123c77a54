"""Search finds a lesson by its category, project (name and code) and phase, and finds a
hyphenated word by its joined form ("wifi" finds "Wi-Fi", "email" finds "e-mail").

PostgreSQL: hindsight_tsvector(text), the English tsvector of a text followed by its
hyphenated words joined (the pattern is lessons.search.query.COMPOUND's), and the title's GIN
index on it. SQLite: the FTS5 table again, with a column for category, project and phase and
columns for the joined words of summary and body. Then every lesson is indexed again by the
backend, in one statement, so a deployed database needs no manual step.

Indexing every lesson is this migration's job now (0007 did it before): a later change to
what the index holds indexes again in its own migration and empties this one's last step, as
this one emptied 0007's, since the backend's code is always the latest.
"""

from django.db import migrations

# The character classes hold a hyphen-minus, a hyphen (U+2010) and a non-breaking hyphen
# (U+2011), as lessons.search.query.HYPHENS does.
HINDSIGHT_TSVECTOR = r"""
CREATE OR REPLACE FUNCTION hindsight_tsvector(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('english'::regconfig, coalesce(body, ''))
        || to_tsvector('english'::regconfig, coalesce((
            SELECT string_agg(translate(found[1], '-‐‑', ''), ' ')
            FROM regexp_matches(body, '([[:alnum:]]+(?:[-‐‑][[:alnum:]]+)+)', 'g') AS found
        ), ''))
$$
"""

POSTGRES_FORWARD = [
    HINDSIGHT_TSVECTOR,
    "DROP INDEX IF EXISTS lesson_title_vector_gin",
    "CREATE INDEX lesson_title_vector_gin ON lessons_lesson "
    "USING gin (hindsight_tsvector(title))",
]

SQLITE_FORWARD = [
    "DROP TABLE IF EXISTS lessons_lesson_fts",
    "CREATE VIRTUAL TABLE lessons_lesson_fts USING fts5("
    "title, summary, tags, body, about, summary_compounds, body_compounds, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
]

# Backwards: the structures of 0004 and 0006, filled as the code before this migration did.
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS lesson_title_vector_gin",
    "CREATE INDEX lesson_title_vector_gin ON lessons_lesson "
    "USING gin (to_tsvector('english'::regconfig, title))",
    "DROP FUNCTION IF EXISTS hindsight_tsvector(text)",
    """
    UPDATE lessons_lesson AS lesson SET search_vector =
        setweight(to_tsvector('english', coalesce(lesson.title, '')), 'A')
        || setweight(to_tsvector('english', concat_ws(' ', lesson.summary, tagged.names)), 'B')
        || setweight(to_tsvector('english', concat_ws(' ', lesson.context,
             lesson.root_cause, lesson.recommendation, lesson.early_warning)), 'C')
    FROM (
        SELECT lesson.id, string_agg(tag.name, ' ') AS names
        FROM lessons_lesson AS lesson
        LEFT JOIN taggit_taggeditem AS item ON item.object_id = lesson.id
            AND item.content_type_id = (SELECT id FROM django_content_type
                                        WHERE app_label = 'lessons' AND model = 'lesson')
        LEFT JOIN taggit_tag AS tag ON tag.id = item.tag_id
        GROUP BY lesson.id
    ) AS tagged
    WHERE lesson.id = tagged.id
    """,
]

SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS lessons_lesson_fts",
    "CREATE VIRTUAL TABLE lessons_lesson_fts USING fts5("
    "title, summary, tags, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    """
    INSERT INTO lessons_lesson_fts (rowid, title, summary, tags, body)
    SELECT lesson.id, lesson.title, lesson.summary,
        (SELECT group_concat(tag.name, ' ')
         FROM taggit_taggeditem AS item
         JOIN taggit_tag AS tag ON tag.id = item.tag_id
         WHERE item.object_id = lesson.id AND item.content_type_id = (
             SELECT id FROM django_content_type WHERE app_label = 'lessons' AND model = 'lesson')),
        lesson.context || ' ' || lesson.root_cause || ' ' ||
        lesson.recommendation || ' ' || lesson.early_warning
    FROM lessons_lesson AS lesson
    """,
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}.get(vendor, []):
        schema_editor.execute(statement)
    if vendor in ("postgresql", "sqlite"):
        from lessons.search import backend

        backend().index(None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0011_import_reference"),
        ("projects", "0002_kickoff_assignments"),
    ]

    operations = [migrations.RunPython(forward, backward)]
