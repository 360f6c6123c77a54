"""The demo organisation loaded by ``seed_demo`` and the generated lessons of ``make bench``."""
