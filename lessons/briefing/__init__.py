"""The kick-off briefing: the earlier lessons most relevant to a new project."""
