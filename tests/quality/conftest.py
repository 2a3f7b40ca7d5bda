"""Fixtures for the quality gates (builders live in quality_fixtures.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["GX_ANALYTICS_ENABLED"] = "false"
# Data Docs cost ~0.5 s per gate; only the report tests build them (they opt back in).
os.environ["BINGEWATCH_DATA_DOCS"] = "0"
# The data dictionary costs a dbt start-up; only the rendering tests build it.
os.environ["BINGEWATCH_DATA_DICTIONARY"] = "0"


@pytest.fixture
def settings(tmp_path):
    from bingewatch.settings import Settings

    return Settings(tmp_path / "data")


@pytest.fixture
def warehouse(settings):
    from quality_fixtures import build_warehouse

    return build_warehouse(settings.warehouse_path)
