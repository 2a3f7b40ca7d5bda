"""The committed GX files: every expectation says whether it blocks (GX's own severity) and why."""

from __future__ import annotations

import json

from bingewatch.quality.suites import CHECKPOINTS, all_suite_specs
from bingewatch.settings import EXPECTATIONS_DIR

suite_specs = all_suite_specs


def test_every_expectation_has_severity_and_reason():
    suites = list((EXPECTATIONS_DIR / "expectations").glob("*.json"))
    assert {p.stem for p in suites} == set(suite_specs())
    names = set()
    for path in suites:
        for expectation in json.loads(path.read_text())["expectations"]:
            meta = expectation["meta"]
            # The blocking decision lives in GX's own field, not in meta (GX and its Data Docs
            # read the field; a meta copy could disagree with it).
            assert expectation["severity"] in ("critical", "warning", "info"), (path.name, expectation)
            assert "severity" not in meta, (path.name, expectation)
            assert meta["reason"].strip(), (path.name, expectation)
            assert meta["name"] not in names, meta["name"]
            names.add(meta["name"])


def test_committed_files_match_the_authoring_module():
    for path in (EXPECTATIONS_DIR / "expectations").glob("*.json"):
        committed = sorted(e["meta"]["name"] for e in json.loads(path.read_text())["expectations"])
        authored = sorted(meta["name"] for _, _, meta in suite_specs()[path.stem]["expectations"])
        assert committed == authored, f"rerun python -m bingewatch.quality.suites ({path.name})"
        severities = {e["meta"]["name"]: e["severity"] for e in json.loads(path.read_text())["expectations"]}
        for _, _, meta in suite_specs()[path.stem]["expectations"]:
            assert severities[meta["name"]] == meta["severity"], (path.name, meta["name"])
    for name, suites in CHECKPOINTS.items():
        checkpoint = json.loads((EXPECTATIONS_DIR / "checkpoints" / f"{name}.json").read_text())
        assert len(checkpoint["validation_definitions"]) == len(suites)


def test_docs_cover_every_expectation():
    from bingewatch.settings import PROJECT_ROOT

    docs = (PROJECT_ROOT / "docs" / "data_quality.md").read_text()
    for spec in suite_specs().values():
        for _, _, meta in spec["expectations"]:
            assert f"`{meta['name']}`" in docs, meta["name"]


def test_no_expectation_samples_viewer_keys():
    """GX stores unexpected values and rows in its results and Data Docs: none of them may be a
    viewer_key (or a raw identifier in its place), so an erasure never has to chase one there.
    Each hand-written query is described by DuckDB on the contract-shaped tables."""
    import duckdb

    from bingewatch.contract import MART_DDL, RAW_COLUMNS, WAREHOUSE_DDL

    con = duckdb.connect()
    for table, ddl in {**MART_DDL, **WAREHOUSE_DDL}.items():
        con.execute(f"create table {table} ({ddl})")
    con.execute(
        "create table playback_events (" + ", ".join(f"{c} {t}" for c, t in RAW_COLUMNS.items()) + ")"
    )
    checked = 0
    for spec in suite_specs().values():
        batch = f"({spec['query']})" if "query" in spec else spec["asset"]
        for class_name, kwargs, meta in spec["expectations"]:
            assert class_name != "ExpectCompoundColumnsToBeUnique" or "viewer_key" not in kwargs.get(
                "column_list", []
            ), meta["name"]
            if class_name != "UnexpectedRowsExpectation":
                continue
            query = kwargs["unexpected_rows_query"].replace("{batch}", batch)
            columns = {row[0] for row in con.execute(f"describe {query}").fetchall()}
            assert "viewer_key" not in columns and "profile_id" not in columns, (meta["name"], columns)
            checked += 1
    assert checked >= 8
