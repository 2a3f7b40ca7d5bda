"""The benchmark's code path at tiny scale (issue #7): `make bench` is not a timed test, but this
keeps it from rotting. The baseline script must equal the pipeline's published tables row for
row, the comparison must notice a difference, and the results file must hold every figure."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pytest

from bench.harness import (
    COMPARED_TABLES,
    RUN_STAGES,
    baseline_path,
    compare_outputs,
    markdown_table,
    run_bench,
)
from bingewatch.cli import main
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow(minutes=5)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    results = run_bench(
        "tiny",
        data_dir=root / "data",
        days=2,  # two nights: a first build and an increment on it
        repeats=1,
        growth_scale="tiny",
        growth_days=4,  # day 1, day 2, one dbt run over day 3, day 4: every growth step once
        memory_limit="1GB",
        results_dir=root / "results",
        progress=lambda message: None,
    )
    yield root, results
    shutil.rmtree(root, ignore_errors=True)


def test_baseline_equals_the_published_tables(bench):
    _, results = bench
    equality = results["equality"]
    for table in COMPARED_TABLES:
        assert equality[table]["pipeline_rows"] == equality[table]["baseline_rows"]
        assert equality[table]["only_in_pipeline"] == 0 and equality[table]["only_in_baseline"] == 0
    # tiny plants notable viewers, so both tables are compared on real rows.
    assert equality["viewer_days"]["pipeline_rows"] > 50
    assert equality["notable_viewers"]["pipeline_rows"] > 0
    assert "watch_time_s" in equality["viewer_days"]["columns"]
    assert "metric_value" in equality["notable_viewers"]["columns"]
    assert equality["equal"] and results["summary"]["outputs_equal"]


def test_comparison_names_the_column_that_differs(bench):
    root, _ = bench
    settings = Settings(root / "data" / "tiny")
    tampered = root / "tampered.duckdb"
    shutil.copy(baseline_path(settings), tampered)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            "update baseline_viewer_days set watch_time_s = watch_time_s + 1 "
            "where (viewer_key, activity_date) in "
            "(select (viewer_key, activity_date) from baseline_viewer_days limit 1)"
        )
        con.execute(
            "delete from baseline_notable_viewers "
            "where rowid in (select min(rowid) from baseline_notable_viewers)"
        )
    outcome = compare_outputs(settings.published_path, tampered)
    assert not outcome["equal"]
    assert outcome["viewer_days"]["only_in_pipeline"] == 1
    assert outcome["viewer_days"]["only_in_baseline"] == 1
    assert outcome["viewer_days"]["keyed_rows_with_differing_columns"] == {"watch_time_s": 1}
    assert outcome["notable_viewers"]["only_in_pipeline"] == 1
    assert outcome["notable_viewers"]["only_in_baseline"] == 0


def test_results_file_holds_every_figure(bench):
    root, results = bench
    written = sorted((root / "results").iterdir())
    assert [p.suffix for p in written] == [".json", ".md"]
    stored = json.loads(written[0].read_text())
    assert stored["scale"] == "tiny" and stored["settings"]["repeats"] == 1
    machine = stored["machine"]
    assert machine["cpu_count"] == os.cpu_count() and machine["memory_total_gb"] > 0
    assert len(machine["load_average"]) == 3

    summary = stored["summary"]
    assert summary["events"] == stored["generate"]["events"] > 1000
    assert summary["generate_s"] > 0 and summary["generate_peak_rss_mb"] > 10
    for stage in RUN_STAGES:
        assert summary["stages_median_s"][stage] >= 0
    assert summary["stages_median_s"]["dbt"] > 0
    assert summary["pipeline_work_median_s"] <= summary["pipeline_run_median_s"]
    for ratio in ("pipeline_vs_baseline", "growth_ratio"):
        assert summary[ratio] > 0
    assert 0 < summary["validation_share"] < 1
    assert 0 < summary["validation_share_without_gx_import"] <= summary["validation_share"]
    assert summary["pipeline_peak_rss_mb"] > summary["pipeline_peak_single_process_rss_mb"] / 2 > 10
    assert summary["dbt_startup_probe_median_s"] > 0 and summary["dbt_startup_in_build_median_s"] > 0
    assert summary["dbt_full_parse_s"] > 0
    # The scan floor read every raw row once, and is below the baseline it bounds.
    [floor] = [run["scan_floor"] for run in stored["baseline"]]
    assert floor["rows"] == summary["events"] and "ip_address" not in floor["columns"]
    assert 0 < summary["scan_floor_median_s"] < summary["baseline_median_s"]
    assert summary["baseline_vs_scan_floor"] > 1
    assert summary["airflow_startup_s"] > 0 and summary["airflow_per_run_overhead_s"] > 0
    assert set(summary["meets"]) == {
        "pipeline_vs_baseline",
        "growth_day_n_vs_day_2",
        "validation_share",
        "peak_rss_gb",
    }

    growth = stored["growth"]
    assert growth["days"] == 4 and len(growth["day_2"]) == len(growth["day_n"]) == 1
    assert growth["history"]["start"] == growth["history"]["end"] == "2026-03-04"
    assert growth["ratio"] == pytest.approx(growth["day_n_run_s"] / growth["day_2_run_s"], abs=1e-3)

    table = written[1].read_text()
    assert (
        table
        == f"# bingewatch bench: tiny ({stored['started_at']})\n\n"
        + markdown_table(stored)
        + f"\nRaw figures: `{written[0].name}`.\n"
    )
    for row in ("pipeline vs baseline", "growth", "validation share", "peak RSS", "fixed overhead"):
        assert row in table


def test_only_the_first_dbt_command_parses_the_whole_project(bench):
    """A nightly build starts from the parse state the night before left, so the timed builds
    must too: the bench's own full parse is the one dbt reports being unable to skip."""
    root, _ = bench
    dbt_log = (root / "data" / "tiny" / "logs" / "dbt" / "dbt.log").read_text()
    commands = dbt_log.count("Running with dbt=")
    assert commands >= 3  # the full parse, the build, one start-up probe per repeat
    assert dbt_log.count("Unable to do partial parsing") == 1
    second_command = dbt_log.index("Running with dbt=", dbt_log.index("Running with dbt=") + 1)
    assert dbt_log.index("Unable to do partial parsing") < second_command


def test_bench_refuses_an_unknown_scale(capsys):
    assert main(["bench", "--scale", "huge"]) == 2
    assert "unknown scale" in capsys.readouterr().err


def test_a_stopped_worker_leaves_its_progress_in_the_failure(tmp_path, monkeypatch):
    """A worker stopped half-way (a large run at the time box): its stages so far are kept."""
    import bench.harness as bench_module

    out = tmp_path / "pipeline-0.json"
    measured = {"stages": {"raw_validation": {"seconds": 22.2}}, "running": {"stage": "dbt"}}
    out.with_suffix(".progress.json").write_text(json.dumps(measured))
    log = tmp_path / "worker.log"
    log.write_text("dbt stopped\n")
    monkeypatch.setattr(bench_module, "timed_child", lambda *args, **kwargs: {"returncode": -15})
    with pytest.raises(bench_module.BenchFailed) as failure:
        bench_module._worker("pipeline", tmp_path, "1GB", out, log)
    assert failure.value.progress == measured
    assert "exit -15" in str(failure.value) and "dbt stopped" in str(failure.value)
