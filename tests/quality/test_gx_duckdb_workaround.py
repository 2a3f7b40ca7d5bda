"""The GX/DuckDB workaround: without it GX 1.24 returns no results on DuckDB, so a suite that
must fail on known bad data would "fail" for the wrong reason (or, inverted, pass). This test
asserts real observed values; if a GX upgrade breaks the patch, it fails."""

from __future__ import annotations

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe

from bingewatch.quality import _gx_duckdb
from bingewatch.quality.runner import quiet_gx


def test_version_guard():
    assert _gx_duckdb._version_is_affected("1.24.1")
    assert not _gx_duckdb._version_is_affected("2.0.0")
    assert _gx_duckdb._version_is_affected(gx.__version__), (
        "GX changed version: re-check issues #10738/#11579, then widen or drop the workaround"
    )


def test_expectations_see_rows_on_duckdb(tmp_path):
    quiet_gx()
    assert _gx_duckdb.apply()
    path = tmp_path / "bad.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select * from (values (1, 'a'), (2, null), (2, 'c')) as v(id, name)")
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(
        "bad", connection_string=f"duckdb:///{path}", kwargs={"connect_args": {"read_only": True}}
    )
    batch = source.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all")
    suite = context.suites.add(
        gx.ExpectationSuite(
            "s",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="name"),
                gxe.ExpectColumnValuesToBeUnique(column="id"),
                gxe.ExpectTableRowCountToEqual(value=3),
                gxe.UnexpectedRowsExpectation(unexpected_rows_query="select * from {batch} where id > 1"),
                # A query DuckDB rejects aborts its transaction; the others must still get results.
                gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query="select * from {batch} where no_such_column > 1"
                ),
            ],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="v", data=batch, suite=suite)
    )
    try:
        results = definition.run().results
    finally:
        _gx_duckdb.close_all()
        source.get_engine().dispose()  # the engine GX opened to test the connection
    broken = [r for r in results if "no_such_column" in str(r.expectation_config.kwargs)]
    assert len(broken) == 1 and not broken[0].success
    by_type = {r.expectation_config.type: r for r in results if r not in broken}
    # Known bad data must fail, with the engine's real counts rather than an exception...
    assert not by_type["expect_column_values_to_not_be_null"].success
    assert by_type["expect_column_values_to_not_be_null"].result["unexpected_count"] == 1
    assert by_type["expect_column_values_to_be_unique"].result["unexpected_count"] == 2
    assert by_type["unexpected_rows_expectation"].result["observed_value"] == 2
    # ...and good data must pass (without the patch every expectation fails, observing None).
    assert by_type["expect_table_row_count_to_equal"].success
    assert by_type["expect_table_row_count_to_equal"].result["observed_value"] == 3
    # The persisted connection is released, so the file can be opened for writing again.
    with duckdb.connect(str(path)) as con:
        con.execute("insert into t values (3, 'd')")
