"""The curators' pages: queue, due reviews, duplicates, archive, tags and categories."""
