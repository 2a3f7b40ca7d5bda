"""Shared fixtures for the importer tests; the export writers live in netflix_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
