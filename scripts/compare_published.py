"""Compare the published snapshots of two data directories, whole tables, run metadata aside.

    .venv/bin/python scripts/compare_published.py /tmp/before /tmp/after [--warehouse]

Every table of ``published/bingewatch.duckdb`` must exist on both sides with the same columns,
types and column order, and the same rows as a multiset (``except all`` both ways, so a
duplicated row or a changed value in the last bit of a double counts). Run metadata, which
differs between two runs over the same data by design, is left out: ``publication.ledger_digest``
fingerprints the raw files (their paths, sizes and modification times). With ``--warehouse``,
every table of ``warehouse/bingewatch.duckdb`` (the dbt models, views aside) is compared the
same way too. Exit 0 when equal, 1 with the differences listed otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# Columns that describe the run rather than the data.
RUN_METADATA = {"publication": {"ledger_digest"}}


def _database(data_dir: Path, folder: str) -> Path:
    path = data_dir / folder / "bingewatch.duckdb"
    if not path.is_file():
        raise SystemExit(f"no DuckDB file at {path}")
    return path


def _schema(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_name in (select table_name from information_schema.tables "
        "where table_catalog = ? and table_type = 'BASE TABLE') order by table_name, ordinal_position",
        [catalog, catalog],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        tables.setdefault(table, []).append((column, type_))
    return tables


def compare(before_dir: Path, after_dir: Path, folder: str = "published") -> list[str]:
    """The differences between the two data directories' DuckDB files under folder (the
    published snapshot by default); empty when they are equal."""
    con = duckdb.connect()
    con.execute(f"attach '{_database(before_dir, folder)}' as before (read_only)")
    con.execute(f"attach '{_database(after_dir, folder)}' as after (read_only)")
    before, after = _schema(con, "before"), _schema(con, "after")
    problems = [f"table only before: {t}" for t in sorted(set(before) - set(after))]
    problems += [f"table only after: {t}" for t in sorted(set(after) - set(before))]
    for table in sorted(set(before) & set(after)):
        if before[table] != after[table]:
            problems.append(f"{table}: columns differ: {before[table]} vs {after[table]}")
            continue
        compared = [c for c, _ in before[table] if c not in RUN_METADATA.get(table, ())]
        columns = ", ".join(f'"{c}"' for c in compared)
        rows = con.execute(f"select count(*) from before.{table}").fetchone()[0]
        for left, right in (("before", "after"), ("after", "before")):
            extra = con.execute(
                f"select count(*) from (select {columns} from {left}.{table} "
                f"except all select {columns} from {right}.{table})"
            ).fetchone()[0]
            if extra:
                problems.append(f"{table}: {extra} of its rows only {left}")
        print(f"{table}: {rows} rows, {len(compared)} columns compared", file=sys.stderr)
    return problems


def main(argv: list[str]) -> int:
    """Print the verdict; exit status 0 when equal."""
    folders = ["published"] + (["warehouse"] if "--warehouse" in argv else [])
    paths = [arg for arg in argv if arg != "--warehouse"]
    if len(paths) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = [
        f"{folder}: {problem}" for folder in folders for problem in compare(*map(Path, paths), folder)
    ]
    for problem in problems:
        print(problem)
    print(f"{' and '.join(folders)} tables equal" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
