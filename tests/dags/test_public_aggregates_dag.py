"""bingewatch_public_aggregates: runs on the publish Asset and exports the suppressed table read-only."""

from __future__ import annotations

import csv

import duckdb
import pytest

from bingewatch.contract import MART_COLUMNS, MART_DDL

DAG_ID = "bingewatch_public_aggregates"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    from bingewatch.settings import PROJECT_ROOT

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_scheduled_on_the_published_asset(dag):
    nightly_outlets = {"bingewatch://published/notable_viewers"}
    assert {asset.uri for asset in dag.timetable.asset_condition.objects} == nightly_outlets
    assert dag.task_ids == ["export_public_title_streaks"]


def test_export_writes_the_public_table_as_csv_without_touching_the_snapshot(dag, tmp_path, monkeypatch):
    """The published table as the contract defines it (bingewatch.contract): a CSV header that
    drops, renames or reorders a column, or rows out of order, fail here."""
    published = tmp_path / "published" / "bingewatch.duckdb"
    published.parent.mkdir(parents=True)
    with duckdb.connect(str(published)) as con:
        con.execute(f"create table public_title_streaks ({MART_DDL['public_title_streaks']})")
        con.execute("insert into public_title_streaks values ('Show B', 12), ('Show A', 53)")
    before = published.read_bytes()
    monkeypatch.setenv("BINGEWATCH_DATA_DIR", str(tmp_path))

    result = dag.get_task("export_public_title_streaks").python_callable()

    target = tmp_path / "reports" / "public" / "title_streaks.csv"
    assert result == {"path": str(target), "rows": 2}
    header, *rows = list(csv.reader(target.open()))
    assert header == list(MART_COLUMNS["public_title_streaks"])
    assert rows == [["Show A", "53"], ["Show B", "12"]]
    assert published.read_bytes() == before
    assert not list(target.parent.glob(".*.tmp"))


def test_export_refuses_a_table_with_viewer_keys(dag, tmp_path, monkeypatch):
    published = tmp_path / "published" / "bingewatch.duckdb"
    published.parent.mkdir(parents=True)
    with duckdb.connect(str(published)) as con:
        con.execute("create table public_title_streaks as select 'k' as viewer_key, 1 as viewers")
    monkeypatch.setenv("BINGEWATCH_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="viewer_key"):
        dag.get_task("export_public_title_streaks").python_callable()
    assert not (tmp_path / "reports" / "public" / "title_streaks.csv").exists()
