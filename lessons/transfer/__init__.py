"""Lessons in and out: import of lessons logs, exports of a search, full backup and restore."""
