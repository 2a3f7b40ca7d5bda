"""Fixtures for the quality gates (builders live in quality_fixtures.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["GX_ANALYTICS_ENABLED"] = "false"


@pytest.fixture(autouse=True)
def _no_docs_unless_asked(monkeypatch):
    """Data Docs cost ~0.5 s per gate and the data dictionary a dbt start-up: the gate tests
    here go without them (the rendering tests build both). Per test, so the session's other
    runs (the shared tiny run of the pipeline tests) keep the defaults."""
    monkeypatch.setenv("BINGEWATCH_DATA_DOCS", "0")
    monkeypatch.setenv("BINGEWATCH_DATA_DICTIONARY", "0")


@pytest.fixture
def settings(tmp_path):
    from bingewatch.settings import Settings

    return Settings(tmp_path / "data")


@pytest.fixture
def warehouse(settings):
    from quality_fixtures import build_warehouse

    return build_warehouse(settings.warehouse_path)
