"""The leak suite: every surface, every persona, one world of marked lessons."""
