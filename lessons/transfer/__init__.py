"""Lessons in and out: import of lessons logs, exports of a search, full backup and restore.

Importing a lessons log (the curators' pages in ``views`` and ``python manage.py
import_lessons FILE``) goes step by step, a module each:

1. ``reading``: ``read_table(data, filename)`` checks the file (size, type by content,
   encoding, delimiter, sheet) and returns its header and rows, or raises
   ``ImportFileError`` with a message for the person.
2. ``columns``: ``suggest_mapping(headers)`` matches each column to a lesson field (several
   columns may feed a text field or the tags); the curator may change the choice, held
   with the defaults and switches in ``ImportOptions``; ``describe_columns`` says what
   happens to each column, naming the filled ones nothing keeps.
3. ``rows``: each row's cells as lesson values (texts, several columns' joined under their
   headings, choices, a date, names), each problem with its row and column.
4. ``planning``: the dry run: names looked up, missing ones refused or to be created (a
   new project's code made from its name by ``project_codes``), rows already in Hindsight
   or earlier in the file skipped; ``report`` holds the outcome, columns included.
5. ``writing``: ``run_import(table, options, user, dry_run=...)`` checks, and unless it is
   a dry run and if no row has a problem, creates every lesson in one transaction.

``uploads`` keeps an uploaded file between the pages' steps. ``exports`` writes a search as
CSV, XLSX or JSON; ``backup`` writes and restores a full backup.
"""
