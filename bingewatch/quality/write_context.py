"""Write the committed GX file context under expectations/ from the authored suites.

Run ``.venv/bin/python -m bingewatch.quality.write_context`` after changing
``bingewatch.quality.suites`` (or the SQL in ``bingewatch.quality.queries``): it rewrites the
datasources, suites, validation definitions and checkpoints. GX gives every object a new id,
so only the ``id`` lines change when the suites did not; ``tests/quality/test_suite_files.py``
fails when the committed files and the authored suites disagree.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bingewatch.contract import MART_DDL, RAW_COLUMNS, WAREHOUSE_DDL
from bingewatch.quality.anomalies import FIGURES_DDL, FIGURES_TABLE
from bingewatch.quality.suites import (
    CANDIDATE_DATASOURCE,
    CHECKPOINTS,
    FIGURES_DATASOURCE,
    RAW_DATASOURCE,
    WAREHOUSE_DATASOURCE,
    all_suite_specs,
)
from bingewatch.settings import EXPECTATIONS_DIR

# Each datasource and the runtime substitution its committed connection string names.
_DATASOURCE_URLS = {
    RAW_DATASOURCE: "bingewatch_raw_batch_url",
    CANDIDATE_DATASOURCE: "bingewatch_candidate_url",
    WAREHOUSE_DATASOURCE: "bingewatch_warehouse_url",
    FIGURES_DATASOURCE: "bingewatch_figures_url",
}


def gx_expectation(gxe, class_name: str, kwargs: dict[str, Any], meta: dict[str, str]):  # type: ignore[no-untyped-def]
    """The GX expectation object: severity in GX's own field, name and reason in ``meta``."""
    extra = {k: v for k, v in meta.items() if k != "severity"}
    return getattr(gxe, class_name)(**kwargs, meta=extra, severity=meta["severity"])


def _contract_shaped_files(scratch: Path) -> dict[str, Path]:
    """Empty DuckDB files with the contract's tables, one per datasource: GX tests each
    datasource and asset while adding it."""
    import duckdb

    paths = {name: scratch / f"{name}.duckdb" for name in _DATASOURCE_URLS}
    tables = {
        RAW_DATASOURCE: {
            "playback_events": ", ".join(f"{name} {type_}" for name, type_ in RAW_COLUMNS.items())
        },
        CANDIDATE_DATASOURCE: MART_DDL,
        WAREHOUSE_DATASOURCE: WAREHOUSE_DDL,
        FIGURES_DATASOURCE: {FIGURES_TABLE: FIGURES_DDL},
    }
    for name, path in paths.items():
        with duckdb.connect(str(path)) as con:
            for table, ddl in tables[name].items():
                con.execute(f"create table {table} ({ddl})")
    return paths


def _add_datasources(context) -> dict:  # type: ignore[no-untyped-def]
    """Every datasource, read-only, its connection string a runtime substitution."""
    for name in list(context.data_sources.all()):
        context.data_sources.delete(name)
    read_only = {"connect_args": {"read_only": True}}
    return {
        name: context.data_sources.add_sql(name, connection_string=f"${{{url}}}", kwargs=read_only)
        for name, url in _DATASOURCE_URLS.items()
    }


def _add_suites(context, datasources: dict) -> dict:  # type: ignore[no-untyped-def]
    """Each suite with its asset, batch definition and validation definition; returns the
    validation definitions by suite name."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    definitions, batch_definitions = {}, {}
    for suite_name, spec in all_suite_specs().items():
        datasource = datasources[spec["datasource"]]
        key = (spec["datasource"], spec["asset"])
        if key not in batch_definitions:  # the anomaly suites share one asset
            if "query" in spec:
                asset = datasource.add_query_asset(spec["asset"], query=spec["query"])
            else:
                asset = datasource.add_table_asset(spec["asset"], table_name=spec["asset"])
            batch_definitions[key] = asset.add_batch_definition_whole_table("whole_table")
        expectations = [
            gx_expectation(gxe, class_name, kwargs, meta) for class_name, kwargs, meta in spec["expectations"]
        ]
        suite = context.suites.add(gx.ExpectationSuite(suite_name, expectations=expectations))
        definitions[suite_name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definitions[key], suite=suite)
        )
    return definitions


def _add_checkpoints(context, definitions: dict) -> None:  # type: ignore[no-untyped-def]
    import great_expectations as gx

    for checkpoint_name, suite_names in CHECKPOINTS.items():
        context.checkpoints.add(
            gx.Checkpoint(
                name=checkpoint_name,
                validation_definitions=[definitions[name] for name in suite_names],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
            )
        )


def write_context() -> None:
    """Rewrite datasources, suites, validation definitions and checkpoints under expectations/."""
    from bingewatch.quality import _gx_duckdb
    from bingewatch.quality.runner import duckdb_url, open_context

    scratch = Path(tempfile.mkdtemp(prefix="bingewatch-gx-authoring-"))
    paths = _contract_shaped_files(scratch)
    for folder in ["expectations", "validation_definitions", "checkpoints"]:
        shutil.rmtree(EXPECTATIONS_DIR / folder, ignore_errors=True)
    context = open_context({url: duckdb_url(paths[name]) for name, url in _DATASOURCE_URLS.items()})
    _add_checkpoints(context, _add_suites(context, _add_datasources(context)))
    _gx_duckdb.close_all()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    write_context()
