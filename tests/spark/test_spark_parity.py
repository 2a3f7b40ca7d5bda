"""The same dbt models on Spark (dbt-spark, pyspark in local mode) give the DuckDB marts, row by row.

Tiny generated data over two arrival dates, the second carrying late events for sessions of the
first: each date is built incrementally on both targets in one data directory (DuckDB's file
and Spark's Parquet tables sit side by side under warehouse/), dbt's data tests run in each
build, and `viewer_days` and `notable_viewers` are compared after every date. The Spark
environment and Java are installed by `make spark-install` (a no-op when up to date); if that
fails, the test fails.
"""

from __future__ import annotations

import subprocess
import time
from datetime import date

import duckdb
import pytest

from bingewatch.settings import PROJECT_ROOT, Settings
from bingewatch.transform import run_dbt

pytestmark = pytest.mark.slow

DATES = (date(2026, 3, 2), date(2026, 3, 3))
MARTS = {
    "viewer_days": ("viewer_key", "activity_date"),
    "notable_viewers": ("viewer_key", "rule", "activity_date"),
}


@pytest.fixture(scope="module")
def spark_environment() -> None:
    """Java and .venv-spark, through the project's own make target."""
    result = subprocess.run(
        ["make", "--no-print-directory", "spark-install"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (
        f"make spark-install failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


def build(settings: Settings, day: date, target: str, monkeypatch) -> dict:
    """dbt build of one arrival date on one target; failures raise with the failing nodes."""
    with monkeypatch.context() as patch:
        patch.setenv("BINGEWATCH_DBT_TARGET", target)
        started = time.monotonic()
        summary = run_dbt(settings, day, day, echo=None)
    summary["wall_s"] = time.monotonic() - started
    return summary


def duckdb_rows(settings: Settings, table: str) -> tuple[list[str], list[tuple]]:
    """A mart's rows from the DuckDB warehouse, in key order."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        relation = con.table(table)
        columns = relation.columns
        rows = relation.order(", ".join(columns)).fetchall()
    return columns, rows


def spark_rows(settings: Settings, table: str, columns: list[str], types: dict[str, str]) -> list[tuple]:
    """The same mart from Spark's Parquet table files, cast to DuckDB's column types.

    Spark writes timestamps as UTC instants; DuckDB stores UTC wall-clock values: read in UTC.
    """
    location = settings.warehouse_dir / "spark" / "warehouse.db" / table
    assert location.is_dir(), f"no Spark table files at {location}"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        source = con.read_parquet(str(location / "**" / "*.parquet"), hive_partitioning=True)
        select = ", ".join(f"cast({column} as {types[column]}) as {column}" for column in columns)
        return source.select(select).order(", ".join(columns)).fetchall()


def assert_marts_equal(settings: Settings, after: date) -> dict[str, int]:
    counts = {}
    for table in MARTS:
        columns, expected = duckdb_rows(settings, table)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            types = dict(con.execute(f"select column_name, column_type from (describe {table})").fetchall())
        actual = spark_rows(settings, table, columns, types)
        missing = sorted(set(expected) - set(actual))[:5]
        extra = sorted(set(actual) - set(expected))[:5]
        assert actual == expected, (
            f"{table} after {after}: DuckDB {len(expected)} rows, Spark {len(actual)}; "
            f"only on DuckDB (first 5): {missing}; only on Spark (first 5): {extra}"
        )
        counts[table] = len(expected)
    return counts


def test_spark_builds_the_duckdb_marts_row_by_row(spark_environment, tmp_path, monkeypatch, cli):
    data_dir = tmp_path / "data"
    cli(
        "generate", "--scale", "tiny", "--days", str(len(DATES)), "--start", DATES[0].isoformat(),
        data_dir=data_dir,
    )
    settings = Settings.from_env(data_dir)
    for variable in ("BINGEWATCH_SPARK_DBT", "BINGEWATCH_DBT_TARGET"):
        monkeypatch.delenv(variable, raising=False)

    history = []
    for day in DATES:
        duck = build(settings, day, "duckdb", monkeypatch)
        spark = build(settings, day, "spark", monkeypatch)
        for target, summary in (("duckdb", duck), ("spark", spark)):
            # Every data test ran and passed on both targets (a failure would have raised).
            assert summary["failed"] == [], (target, day, summary)
            assert summary["statuses"].get("pass", 0) >= 30, (target, day, summary)
        counts = assert_marts_equal(settings, day)
        history.append((day, counts, round(duck["wall_s"], 1), round(spark["wall_s"], 1)))
        print(f"{day}: {counts}; duckdb {duck['wall_s']:.1f} s, spark {spark['wall_s']:.1f} s")

    # The late case is real: the second arrival date carried late events, and its incremental
    # run rewrote viewer-days before that date on both engines alike (compared above).
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        late_days = con.execute(
            """
            select count(*) from int_viewer_days_aggregated as days
            inner join int_recompute_scope as scope on days.profile_id = scope.profile_id
            where days.activity_date < ?
            """,
            [DATES[1]],
        ).fetchone()[0]
    assert late_days > 0, "the second date recomputed no earlier viewer-day: no late data was exercised"
    assert history[1][1]["viewer_days"] > history[0][1]["viewer_days"]

    # Each dbt invocation ends its own pyspark JVM: nothing keeps running on this data directory.
    leftover = subprocess.run(
        ["pgrep", "-f", f"derby.system.home={settings.warehouse_dir}"], capture_output=True, text=True
    ).stdout.split()
    assert leftover == [], f"Spark JVMs still running: {leftover}"

