"""BINGEWATCH_DBT_TARGET picks the dbt environment and keeps each target's dbt state apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bingewatch.nightly import dbt_build as transform
from bingewatch.settings import Settings


def test_duckdb_is_the_default_and_keeps_its_target_path(monkeypatch, tmp_path):
    monkeypatch.delenv("BINGEWATCH_DBT_TARGET", raising=False)
    settings = Settings.from_env(tmp_path)
    assert transform.dbt_target() == "duckdb"
    assert transform.dbt_target_dir(settings) == settings.warehouse_dir / "dbt_target"
    assert Path(transform.dbt_executable()).name == "dbt"
    assert ".venv-spark" not in transform.dbt_executable()


def test_spark_uses_the_spark_environment_and_its_own_target_path(monkeypatch, tmp_path):
    monkeypatch.setenv("BINGEWATCH_DBT_TARGET", "spark")
    fake_dbt = tmp_path / "dbt"
    fake_dbt.touch()
    monkeypatch.setenv("BINGEWATCH_SPARK_DBT", str(fake_dbt))
    settings = Settings.from_env(tmp_path)
    assert transform.dbt_executable() == str(fake_dbt)
    assert transform.dbt_target_dir(settings) == settings.warehouse_dir / "dbt_target_spark"
    env = transform.dbt_environment(settings, date(2026, 3, 2), date(2026, 3, 2))
    assert env["DBT_TARGET_PATH"].endswith("dbt_target_spark")


def test_spark_without_its_environment_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("BINGEWATCH_DBT_TARGET", "spark")
    monkeypatch.setenv("BINGEWATCH_SPARK_DBT", str(tmp_path / "missing" / "dbt"))
    with pytest.raises(FileNotFoundError, match="make spark-install"):
        transform.dbt_executable()
