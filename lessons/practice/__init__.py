"""Putting lessons to work: follow-up actions and applications in later projects."""
