"""Erasure through the DAG: an account already published disappears from raw, warehouse and the
published snapshot by the next run, and nobody else's rows change: erasure removes the account
from raw data, intermediate and published tables and any retained snapshot, with a record that it
was done."""

from __future__ import annotations

import json
import os

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bingewatch.pseudonyms import viewer_key

pytestmark = pytest.mark.slow

TEST_KEY = os.environ["BINGEWATCH_PSEUDONYM_KEY"]
PUBLISHED_TABLES = ("viewer_days", "notable_viewers")


def published_rows(data_dir) -> dict[str, list[tuple]]:
    with duckdb.connect(str(data_dir / "published" / "bingewatch.duckdb"), read_only=True) as con:
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in PUBLISHED_TABLES}


def test_an_erasure_request_removes_a_published_viewer_everywhere(tiny_run, copy_of_tiny_run, cli):
    data_dir = copy_of_tiny_run
    binger = next(case for case in tiny_run["manifest"]["planted"] if case["role"] == "binger")
    account = binger["account_id"]
    raw_events = str(data_dir / "raw" / "playback_events" / "*" / "*.parquet")
    with duckdb.connect() as con:
        profiles = [
            r[0]
            for r in con.execute(
                f"select profile_id from '{data_dir}/raw/profiles/*.parquet' where account_id = ?", [account]
            ).fetchall()
        ]
        raw_before = con.execute(
            f"select count(*) from read_parquet('{raw_events}', union_by_name = true) where account_id = ?",
            [account],
        ).fetchone()[0]
    keys = {viewer_key(p, TEST_KEY) for p in profiles}
    before = published_rows(data_dir)
    assert raw_before > 0 and any(r[0] in keys for r in before["notable_viewers"]), "the binger was published"

    requests = data_dir / "raw" / "erasure_requests" / "erasure_requests.parquet"
    table = pq.read_table(requests)
    extra = pa.table(
        {"account_id": [account], "requested_at": [table.column("requested_at")[0].as_py()]},
        schema=table.schema,
    )
    pq.write_table(pa.concat_tables([table, extra]), requests)
    last_date = max(tiny_run["manifest"]["per_received_date"])
    # Data Docs on (the suite's default is off): the erasure night's pages are searched below.
    cli("run", "--start", last_date, "--end", last_date, data_dir=data_dir, env={"BINGEWATCH_DATA_DOCS": "1"})

    after = published_rows(data_dir)
    assert after == {t: [r for r in rows if r[0] not in keys] for t, rows in before.items()}
    with duckdb.connect() as con:
        assert (
            con.execute(
                f"select count(*) from read_parquet('{raw_events}', union_by_name = true) "
                "where account_id = ? or list_contains(?, profile_id)",
                [account, profiles],
            ).fetchone()[0]
            == 0
        )
        assert (
            con.execute(
                f"select count(*) from '{data_dir}/raw/profiles/*.parquet' where account_id = ?", [account]
            ).fetchone()[0]
            == 0
        )
    with duckdb.connect(str(data_dir / "warehouse" / "bingewatch.duckdb"), read_only=True) as con:
        for schema, name, column in con.execute(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_catalog, table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' "
            "and c.column_name in ('profile_id', 'viewer_key', 'account_id')"
        ).fetchall():
            values = [account, *profiles, *keys]
            found = con.execute(
                f'select count(*) from "{schema}"."{name}" where list_contains(?, "{column}")', [values]
            ).fetchone()[0]
            assert found == 0, f"{schema}.{name}.{column} still holds the erased account"
    log = json.loads((data_dir / "warehouse" / "erasure_log.json").read_text())
    assert len(log["requests"]) == len(pq.read_table(requests).column("account_id").unique())
    assert account not in json.dumps(log)
    # No kept validation result, Data Docs page, report or run record holds the erased viewer's
    # key: the suites never store viewer keys among their unexpected values (docs/data_quality.md,
    # "Retention and erasure"), so there is nothing left to scrub after the erasure.
    from bingewatch.settings import EXPECTATIONS_DIR

    roots = [
        data_dir / "reports",
        data_dir / "audit" / "gx_validations",
        data_dir / "runs",
        EXPECTATIONS_DIR / "uncommitted",
    ]
    assert (data_dir / "reports" / "data_docs").is_dir() and (data_dir / "audit" / "gx_validations").is_dir()
    checked = 0
    for root in roots:
        for path in (p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            checked += 1
            for value in (*keys, account, *profiles):
                assert value.encode() not in data, f"{path} holds an erased identifier"
    assert checked > 50
