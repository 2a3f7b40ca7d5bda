"""Where each dbt target keeps the warehouse tables, and one DuckDB file the later steps read.

The ``duckdb`` target writes one DuckDB file (``Settings.warehouse_path``). The ``spark`` target
writes plain Parquet table folders, ``warehouse/spark/warehouse.db/<table>/``, hive-partitioned
by a date where the model says so. The steps after dbt (``stage_candidate``, the GX mart suites)
read the tables through ``readable_warehouse``: the DuckDB file itself, or, on Spark, a small
DuckDB file of views over the tables' Parquet files (``warehouse/spark/tables.duckdb``, holding no
rows) with the names, column order and DuckDB types the duckdb target produces:

- Spark writes timestamps as UTC instants (``TIMESTAMP WITH TIME ZONE`` to DuckDB); the views
  turn them into UTC wall-clock ``TIMESTAMP`` values, whatever the reader's time zone.
- Spark moves partition columns to the end of a table; the views put the columns of the
  publication contract (``MART_DDL``) and of the reconciliation's tables (``WAREHOUSE_DDL``)
  in the contract's order and types, then any other column.
- A partitioned table with no rows has no files: with a contract, its view is an empty table of
  the contract's shape; without one, it is left out.
"""

from __future__ import annotations

import os
from pathlib import Path

from bingewatch.contract import MART_DDL, WAREHOUSE_DDL
from bingewatch.settings import Settings, dbt_target

SPARK_VIEWS_FILE = "tables.duckdb"


def spark_tables_dir(settings: Settings) -> Path:
    """The Spark target's table folders (its ``spark.sql.warehouse.dir``, schema ``warehouse``)."""
    return settings.warehouse_dir / "spark" / "warehouse.db"


def _hidden(name: str) -> bool:
    # Spark's own bookkeeping: _SUCCESS, _temporary/, .spark-staging-*/, .part-*.crc.
    return name.startswith((".", "_"))


def spark_tables(settings: Settings) -> dict[str, Path]:
    """Every Spark table's folder, by table name (views have no folder)."""
    root = spark_tables_dir(settings)
    if not root.is_dir():
        return {}
    return {path.name: path for path in sorted(root.iterdir()) if path.is_dir() and not _hidden(path.name)}


def spark_table_files(table_dir: Path) -> list[Path]:
    """A Spark table's committed Parquet files, partition folders included."""
    return sorted(
        path
        for path in table_dir.rglob("*.parquet")
        if path.is_file() and not any(_hidden(part) for part in path.relative_to(table_dir).parts)
    )


def contract(table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) in order, for the tables whose shape the project fixes."""
    ddl = MART_DDL.get(table) or WAREHOUSE_DDL.get(table)
    if not ddl:
        return []
    return [tuple(column.strip().split(" ", 1)) for column in ddl.split(",")]


def sql_literal(value: str | Path) -> str:
    """A path or text as a DuckDB string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def spark_table_query(con, table: str, table_dir: Path) -> str | None:
    """DuckDB SQL reading one Spark table with the duckdb target's column order and types.

    None when the table has no files and no contract to give it a shape.
    """
    files = spark_table_files(table_dir)
    fixed = contract(table)
    if not files:
        if not fixed:
            return None
        columns = ", ".join(f"cast(null as {type_}) as {_identifier(name)}" for name, type_ in fixed)
        return f"select {columns} where false"
    paths = ", ".join(map(sql_literal, files))
    source = f"read_parquet([{paths}], hive_partitioning = true, union_by_name = true)"
    described = f"select column_name, column_type from (describe select * from {source})"
    found = dict(con.execute(described).fetchall())
    missing = [name for name, _ in fixed if name not in found]
    if missing:
        raise LookupError(f"Spark table {table} at {table_dir} lacks column(s) {', '.join(missing)}")

    def read(name: str) -> str:
        # A UTC instant to its UTC wall-clock time, independent of the session's TimeZone.
        if found[name] == "TIMESTAMP WITH TIME ZONE":
            return f"timezone('UTC', {_identifier(name)})"
        return _identifier(name)

    fixed_names = {name for name, _ in fixed}
    columns = [f"cast({read(name)} as {type_}) as {_identifier(name)}" for name, type_ in fixed]
    columns += [f"{read(name)} as {_identifier(name)}" for name in found if name not in fixed_names]
    return f"select {', '.join(columns)} from {source}"


def write_spark_views(settings: Settings) -> Path:
    """(Re)write the DuckDB file of views over the Spark tables; return its path.

    Rewritten whole on each call (it holds no rows; milliseconds) and swapped in with
    ``os.replace``, so a reader never sees a half-written file and always sees the files dbt
    (or an erasure) left last.
    """
    import duckdb

    tables = spark_tables(settings)
    if not tables:
        raise FileNotFoundError(f"no Spark tables under {spark_tables_dir(settings)}: did dbt build run?")
    target = settings.warehouse_dir / "spark" / SPARK_VIEWS_FILE
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    building.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(building)) as con:
            con.execute("set enable_progress_bar = false")
            for table, table_dir in tables.items():
                query = spark_table_query(con, table, table_dir)
                if query is not None:
                    con.execute(f"create view main.{_identifier(table)} as {query}")
            con.execute("checkpoint")
        os.replace(building, target)
    finally:
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return target


def readable_warehouse(settings: Settings, target: str | None = None) -> Path:
    """The DuckDB file holding (duckdb) or viewing (spark) the target's warehouse tables.

    ``target`` defaults to BINGEWATCH_DBT_TARGET, the target dbt_build built. Open it read-only.
    """
    target = target or dbt_target()
    if target == "duckdb":
        if not settings.warehouse_path.is_file():
            raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: did dbt build run?")
        return settings.warehouse_path
    if target == "spark":
        return write_spark_views(settings)
    raise ValueError(f"unknown dbt target {target!r}: expected duckdb or spark")
