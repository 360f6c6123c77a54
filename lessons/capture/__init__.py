"""Recording and editing lessons: one set of services for the pages and the API."""
