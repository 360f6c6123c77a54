"""Curated checklists per project type and phase, each item citing its lessons."""
