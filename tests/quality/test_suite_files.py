"""The committed GX files: every expectation says whether it blocks (GX's own severity) and why."""

from __future__ import annotations

import json
import re

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


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def test_committed_files_match_the_authoring_module():
    """Every committed expectation is the authored one, argument for argument: a threshold, a
    value set, a query, a severity or a reason changed in suites.py and not regenerated (or
    edited in the JSON by hand) fails here, naming the expectation."""
    import great_expectations as gx

    for path in (EXPECTATIONS_DIR / "expectations").glob("*.json"):
        committed = {e["meta"]["name"]: e for e in json.loads(path.read_text())["expectations"]}
        authored = suite_specs()[path.stem]["expectations"]
        assert sorted(committed) == sorted(meta["name"] for _, _, meta in authored), path.name
        for class_name, kwargs, meta in authored:
            expectation = committed[meta["name"]]
            # GX keeps the description and the severity beside the kwargs and the meta, and
            # leaves out arguments equal to its defaults.
            expected = json.loads(json.dumps({k: v for k, v in kwargs.items() if k != "description"}))
            for name in set(expected) - set(expectation["kwargs"]):
                default = getattr(gx.expectations, class_name, None)
                default = default.__fields__[name].default if default else None
                assert expected.pop(name) == default, (meta["name"], name)
            assert expectation["type"] == _snake(class_name), meta["name"]
            assert expectation["kwargs"] == expected, (
                f"rerun bingewatch.quality.write_context: {meta['name']}"
            )
            assert expectation.get("description") == kwargs.get("description"), meta["name"]
            assert expectation["severity"] == meta["severity"], meta["name"]
            assert expectation["meta"] == {k: v for k, v in meta.items() if k != "severity"}, meta["name"]
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
