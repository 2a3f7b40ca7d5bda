"""The steps after dbt read the spark target's Parquet tables in the duckdb target's shape.

The Spark-layout table folders are written here with DuckDB (no Spark started): partition
columns only in the folder names, timestamps as UTC instants, an empty partitioned table with no
file at all, Spark's _SUCCESS and .crc files beside the data.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from bingewatch.contract import MART_DDL, OPTIONAL_TABLES, PUBLISHED_TABLES
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.settings import Settings
from bingewatch.warehouse_tables import contract, readable_warehouse, spark_tables_dir

DAY = date(2026, 3, 3)
PARTITIONS = {
    "viewer_days": "activity_date",
    "notable_viewers": "activity_date",
    "run_accounting": "received_date",
    "quarantine_reasons": "received_date",
}
ROWS = {
    "viewer_days": [
        (
            "vk-1",
            "Europe/Berlin",
            86400,
            3600.0,
            3000.0,
            600.0,
            0.0,
            1800.0,
            2,
            2,
            1,
            1,
            1,
            date(2026, 3, 2),
            datetime(2026, 3, 2, 23, 30),
            datetime(2026, 3, 3, 0, 30),
        ),
        (
            "vk-2",
            "America/New_York",
            86400,
            60.0,
            60.0,
            0.0,
            0.0,
            60.0,
            1,
            1,
            0,
            1,
            1,
            date(2026, 3, 3),
            datetime(2026, 3, 3, 5),
            datetime(2026, 3, 3, 5, 1),
        ),
    ],
    "notable_viewers": [],
    "public_title_streaks": [("Show", 12)],
    "run_accounting": [(date(2026, 3, 2), 10, 8, 1, 1), (DAY, 5, 5, 0, 0)],
    "quarantine_reasons": [(date(2026, 3, 2), "unknown_title", 1)],
}


def write_spark_table(settings: Settings, table: str, rows: list[tuple]) -> None:
    """One table as Spark lays it out: the partition column last and only in folder names."""
    table_dir = spark_tables_dir(settings) / table
    table_dir.mkdir(parents=True)
    (table_dir / "_SUCCESS").touch()
    if not rows:
        return  # a partitioned Spark table without rows has no file
    partition = PARTITIONS.get(table)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create table contract ({MART_DDL[table]})")
        con.executemany(f"insert into contract values ({', '.join('?' * len(rows[0]))})", rows)
        types = dict(contract(table))
        spark_order = [c for c in types if c != partition] + ([partition] if partition else [])
        select = ", ".join(f"{c}::timestamptz as {c}" if types[c] == "timestamp" else c for c in spark_order)
        query = f"select {select} from contract"
        if partition:
            con.execute(
                f"copy ({query}) to '{table_dir}' "
                f"(format parquet, partition_by ({partition}), overwrite_or_ignore)"
            )
        else:
            path = table_dir / "part-00000.c000.snappy.parquet"
            con.execute(f"copy ({query}) to '{path}' (format parquet)")
    for path in table_dir.rglob("*.parquet"):
        path.with_name(f".{path.name}.crc").write_bytes(b"crc")


@pytest.fixture()
def spark_warehouse(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("BINGEWATCH_DBT_TARGET", "spark")
    settings = Settings(tmp_path)
    for table, rows in ROWS.items():
        write_spark_table(settings, table, rows)
    return settings


def test_the_candidate_from_spark_tables_has_the_duckdb_targets_shape_and_rows(spark_warehouse):
    candidate = stage_candidate(spark_warehouse, DAY)
    with duckdb.connect(str(candidate), read_only=True) as con:
        con.execute("set TimeZone = 'Asia/Tokyo'")  # a reader's zone changes no stored value
        for table in PUBLISHED_TABLES + OPTIONAL_TABLES:
            described = con.execute(f"describe {table}").fetchall()
            shape = ", ".join(f"{name} {type_.lower()}" for name, type_, *_ in described)
            assert shape == MART_DDL[table], table
            assert sorted(con.execute(f"select * from {table}").fetchall()) == sorted(ROWS[table]), table


def test_a_spark_table_missing_a_contract_column_is_named(spark_warehouse):
    import shutil

    shutil.rmtree(spark_tables_dir(spark_warehouse) / "public_title_streaks")
    with duckdb.connect() as con:
        target = spark_tables_dir(spark_warehouse) / "public_title_streaks"
        target.mkdir()
        con.execute(f"copy (select 'Show' as show_title) to '{target / 'part-0.parquet'}' (format parquet)")
    with pytest.raises(LookupError, match="public_title_streaks .* lacks column.*viewers"):
        stage_candidate(spark_warehouse, DAY)


def test_without_spark_tables_the_step_says_dbt_did_not_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="did dbt build run"):
        readable_warehouse(Settings(tmp_path), target="spark")


def test_the_duckdb_target_reads_its_own_file(tmp_path):
    settings = Settings(tmp_path)
    settings.warehouse_dir.mkdir()
    duckdb.connect(str(settings.warehouse_path)).close()
    assert readable_warehouse(settings, target="duckdb") == settings.warehouse_path
    with pytest.raises(ValueError, match="unknown dbt target"):
        readable_warehouse(settings, target="snowflake")
