"""The demo's hand-written data files: every one ships with the installed package."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_demo_data_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    data_files = [
        path
        for path in (ROOT / "demo").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert data_files
    for path in data_files:
        package = ".".join(path.parent.relative_to(ROOT).parts)
        patterns = package_data.get(package, [])
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path
