"""Measure dbt inside Airflow two ways: one `dbt build` task (production) vs Cosmos per-model tasks.

Answers issue #6's open item with numbers (docs/operations.md, "dbt inside Airflow: one task or
per-model tasks (measured)"):

a. **DAG parse time**, each in a fresh process, median of N: the `DagBag` load of
   `dags/bingewatch_nightly.py` vs `bench/cosmos_dags/bingewatch_nightly_cosmos.py` (the same DAG
   with `dbt_build` replaced by a Cosmos `DbtTaskGroup` rendered from a `dbt parse` manifest), and
   the wall time of `airflow dags list-import-errors --local` on each file.
b. **Run time of the dbt part** for one arrival date through `dag.test()`: a DAG holding only
   production's `dbt_build` task vs one holding `write_viewer_keys` >> the Cosmos task group.
   Each run is a fresh process; reported are the dbt part's wall time as Airflow recorded it
   (first task start to last task end) and the whole `dag.test()` call.
c. **What an engineer sees when one model fails**: both run against a copy of the dbt project
   in the work dir whose `int_viewer_days_aggregated` raises at run time (DuckDB `error()`);
   reported are the task states, tries, the alert text and the log lines naming the failure.

It needs a scratch environment with astronomer-cosmos (not a project dependency, not part of
`make test`), a data directory with `small` data whose warehouse exists (run the first date with
`bingewatch run`), and never touches `dbt_project/` or `./data`:

    .tools/bin/uv venv /tmp/cosmos-venv --python 3.11
    .tools/bin/uv export --frozen --no-dev --no-emit-project --no-hashes > /tmp/req.txt
    echo dbt-core-experimental-parser > /tmp/excl.txt
    VIRTUAL_ENV=/tmp/cosmos-venv .tools/bin/uv pip install -r /tmp/req.txt \\
        astronomer-cosmos==1.15.1 --excludes /tmp/excl.txt
    VIRTUAL_ENV=/tmp/cosmos-venv .tools/bin/uv pip install --no-deps -e .
    BINGEWATCH_DATA_DIR=/tmp/cosmos-data BINGEWATCH_ALLOW_DEV_KEY=1 \\
        .venv/bin/bingewatch generate --scale small --days 3
    BINGEWATCH_DATA_DIR=/tmp/cosmos-data BINGEWATCH_ALLOW_DEV_KEY=1 \\
        .venv/bin/bingewatch run --start 2026-03-02 --end 2026-03-02
    /tmp/cosmos-venv/bin/python bench/cosmos_vs_dbt_build.py \\
        --data-dir /tmp/cosmos-data --work-dir /tmp/cosmos-work --date 2026-03-03 \\
        --repeats 3 --run-repeats 2

Results: printed, and written to `<work-dir>/results.json`; child logs under `<work-dir>/logs/`.
Timings on a shared machine are noisy: every number is stored with `os.getloadavg()`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCTION_DAG = REPO / "dags" / "bingewatch_nightly.py"
COSMOS_DAG = REPO / "bench" / "cosmos_dags" / "bingewatch_nightly_cosmos.py"
BROKEN_MODEL = "int_viewer_days_aggregated"
INJECTED = "bench: injected failure"


# --- environment ---------------------------------------------------------------------------
def bench_environment(data_dir: Path, work_dir: Path) -> dict[str, str]:
    """The environment every child runs with: scratch Airflow home, telemetry off, quiet logs."""
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(work_dir / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__COSMOS__CACHE_DIR": str(work_dir / "cosmos_cache"),
            "PYTHONPYCACHEPREFIX": str(work_dir / "pycache"),
            "BINGEWATCH_DATA_DIR": str(data_dir),
            "BINGEWATCH_ALLOW_DEV_KEY": "1",
            "BINGEWATCH_RETRY_DELAY_S": "1",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "GX_ANALYTICS_ENABLED": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "TMPDIR": str(work_dir / "tmp"),
        }
    )
    return env


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- manifests -----------------------------------------------------------------------------
def broken_project(work_dir: Path) -> Path:
    """A copy of dbt_project/ whose int_viewer_days_aggregated fails when it runs."""
    target = work_dir / "dbt_project_broken"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO / "dbt_project", target, ignore=shutil.ignore_patterns("target", "logs"))
    model = next(target.glob(f"models/**/{BROKEN_MODEL}.sql"))
    sql = model.read_text().rstrip()
    last = sql.splitlines()[-1]
    assert last.startswith("select * from "), last
    sql = sql[: -len(last)] + f"{last}\nwhere error('{INJECTED} in {BROKEN_MODEL}') is null\n"
    model.write_text(sql)
    return target


def dbt_parse(project_dir: Path, out: Path, env: dict[str, str], day: date) -> Path:
    """`dbt parse` into `out`; returns the manifest path (Cosmos renders from it)."""
    env = dict(env)
    env.update(
        {
            "DBT_TARGET_PATH": str(out),
            "DBT_LOG_PATH": str(out / "logs"),
            "BINGEWATCH_RUN_START": day.isoformat(),
            "BINGEWATCH_RUN_END": day.isoformat(),
        }
    )
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "parse", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out / "manifest.json"


# --- (a) parse time --------------------------------------------------------------------------
PARSE_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.perf_counter()
print("BENCH_RESULT " + json.dumps({"import_airflow_s": t1 - t0, "dagbag_s": t2 - t1,
      "errors": {k: str(v)[:300] for k, v in bag.import_errors.items()},
      "dags": {d: len(bag.dags[d].tasks) for d in bag.dags}}))
"""


def measure_parse(dag_file: Path, env: dict[str, str]) -> dict:
    before = load()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", PARSE_SNIPPET, str(dag_file)], env=env, capture_output=True, text=True
    )
    process_s = time.perf_counter() - started
    result = _bench_result(proc.stdout, proc.stderr)
    cli_env = dict(env, AIRFLOW__CORE__DAGS_FOLDER=str(dag_file))
    started = time.perf_counter()
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "dags", "list-import-errors", "--local", "-o", "json"],
        env=cli_env,
        capture_output=True,
        text=True,
    )
    cli_s = time.perf_counter() - started
    result.update(
        process_s=process_s,
        cli_list_import_errors_s=cli_s,
        cli_output=cli.stdout.strip()[-300:],
        load_before=before,
        load_after=load(),
    )
    return result


# --- (b)/(c) runs through dag.test() in a child process ---------------------------------------
def run_child(variant: str, day: date, project: Path, manifest: Path, env: dict, log: Path, **extra) -> dict:
    args = [
        sys.executable,
        __file__,
        "--child",
        variant,
        "--date",
        day.isoformat(),
        "--project",
        str(project),
        "--manifest",
        str(manifest),
    ]
    child_env = dict(env, **{k: v for k, v in extra.items() if v is not None})
    before = load()
    started = time.perf_counter()
    with log.open("w") as handle:
        subprocess.run(args, env=child_env, stdout=handle, stderr=subprocess.STDOUT)
    process_s = time.perf_counter() - started
    result = _bench_result(log.read_text(), "")
    result.update(process_s=process_s, load_before=before, load_after=load(), log=str(log))
    return result


DAG_FILE = """# airflow DAG written by bench/cosmos_vs_dbt_build.py (dag.test needs a DAG from a bundle)
import sys
from pathlib import Path

sys.path.insert(0, {bench!r})
from cosmos_vs_dbt_build import build_dbt_dag

dag = build_dbt_dag({variant!r}, Path({project!r}), Path({manifest!r}))
"""


def build_dbt_dag(variant: str, project: Path, manifest: Path):
    """A DAG holding only the dbt part: production's dbt_build task, or the Cosmos task group."""
    from airflow.sdk import DAG, task

    def alert(context) -> None:
        from bingewatch.nightly.alerts import on_task_failure

        on_task_failure(context)

    delay = float(os.environ.get("BINGEWATCH_RETRY_DELAY_S", 30))
    if variant != "one_task":
        import importlib.util

        from cosmos.constants import TestBehavior

        spec = importlib.util.spec_from_file_location("bench_cosmos_dag", COSMOS_DAG)
        cosmos_dag = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cosmos_dag)
    with DAG(
        f"bench_dbt_{variant}",
        schedule=None,
        start_date=datetime(2026, 1, 1, tzinfo=UTC),
        default_args={"retries": 0, "on_failure_callback": alert},
    ) as dag:
        if variant == "one_task":
            # Production's dbt_build, verbatim but for the project dir (the broken copy in (c)).
            @task(retries=2, retry_delay=timedelta(seconds=delay), retry_exponential_backoff=True)
            def dbt_build(ds=None) -> dict:
                from bingewatch.nightly import dbt_build as transform
                from bingewatch.settings import Settings

                transform.DBT_PROJECT_DIR = project
                run_day = date.fromisoformat(ds)
                return transform.run_dbt(Settings.from_env(), run_day, run_day)

            dbt_build()
        else:
            cosmos_dag.cosmos_dbt_tasks(
                project_dir=project,
                manifest=manifest,
                test_behavior=TestBehavior(os.environ.get("BINGEWATCH_COSMOS_TEST_BEHAVIOR", "after_each")),
            )
    return dag


def child(variant: str, day: date, project: Path, manifest: Path) -> None:
    """In a fresh process: write the dbt-part DAG into its own DAGs folder, dag.test() it for `day`."""
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    dags_folder = Path(os.environ["AIRFLOW_HOME"]).parent / f"dags_{variant}"
    dags_folder.mkdir(parents=True, exist_ok=True)
    (dags_folder / f"bench_dbt_{variant}.py").write_text(
        DAG_FILE.format(
            bench=str(REPO / "bench"), variant=variant, project=str(project), manifest=str(manifest)
        )
    )
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import upgradedb

    upgradedb()
    bag = DagBag(dag_folder=str(dags_folder))
    if bag.import_errors:
        raise RuntimeError(bag.import_errors)
    dag = bag.dags[f"bench_dbt_{variant}"]

    alerts = Path(os.environ["BINGEWATCH_DATA_DIR"]) / "alerts" / "alerts.jsonl"
    alerts_before = alerts.read_text().count("\n") if alerts.exists() else 0
    started = time.perf_counter()
    dag_run = dag.test(logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC))
    test_s = time.perf_counter() - started
    tis = []
    for ti in dag_run.get_task_instances():
        tis.append(
            {
                "task_id": ti.task_id,
                "state": str(ti.state),
                "try_number": ti.try_number,
                "start": ti.start_date.isoformat() if ti.start_date else None,
                "end": ti.end_date.isoformat() if ti.end_date else None,
                "duration_s": ti.duration,
            }
        )
    starts = [ti.start_date for ti in dag_run.get_task_instances() if ti.start_date]
    ends = [ti.end_date for ti in dag_run.get_task_instances() if ti.end_date]
    new_alerts = alerts.read_text().splitlines()[alerts_before:] if alerts.exists() else []
    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "variant": variant,
                "state": str(dag_run.state),
                "dag_test_s": test_s,
                "dbt_part_s": (max(ends) - min(starts)).total_seconds() if starts and ends else None,
                "task_count": len(dag.tasks),
                "sum_task_s": sum(t["duration_s"] or 0 for t in tis),
                "tasks": tis,
                "alerts": [json.loads(line) for line in new_alerts],
            }
        )
    )


def _bench_result(stdout: str, stderr: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT ") :])
    raise RuntimeError(f"no result from child:\n{stdout[-3000:]}\n{stderr[-3000:]}")


# --- (c) what the failure looks like ------------------------------------------------------------
FAILURE_LINE = re.compile(r"(error|fail|exception|traceback)", re.IGNORECASE)


def failure_view(result: dict) -> dict:
    """Task states, tries and the log lines an engineer reads first."""
    states: dict[str, int] = {}
    for ti in result["tasks"]:
        states[ti["state"]] = states.get(ti["state"], 0) + 1
    red = [
        {"task_id": t["task_id"], "try_number": t["try_number"]}
        for t in result["tasks"]
        if t["state"].endswith("failed") and not t["state"].endswith("upstream_failed")
    ]
    lines = Path(result["log"]).read_text(errors="replace").splitlines()
    naming = [line.strip()[:240] for line in lines if BROKEN_MODEL in line and FAILURE_LINE.search(line)]
    return {
        "dag_run_state": result["state"],
        "states": states,
        "failed_tasks": red,
        "alerts": [a.get("error", "")[:400] for a in result["alerts"]],
        "alert_tasks": [a.get("task_id") for a in result["alerts"]],
        "log_lines_naming_model": naming[:12],
        "log_lines_total": len(lines),
    }


# --- main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/cosmos-data"))
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/cosmos-work"))
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 3, 3))
    parser.add_argument("--repeats", type=int, default=3, help="parse-time repeats")
    parser.add_argument("--run-repeats", type=int, default=3, help="dag.test repeats per variant")
    parser.add_argument("--skip", action="append", default=[], choices=["parse", "run", "failure"])
    parser.add_argument(
        "--cosmos-variants",
        default="after_each",
        help="comma-separated Cosmos shapes to run: after_each, build, after_each+subprocess, ...",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.date, args.project, args.manifest)
        return

    data_dir, work_dir = args.data_dir.resolve(), args.work_dir.resolve()
    if data_dir == (REPO / "data").resolve():
        sys.exit("refusing to benchmark on the repository's ./data; use a scratch data dir")
    if not (data_dir / "warehouse" / "bingewatch.duckdb").exists():
        sys.exit(f"no warehouse under {data_dir}: run the first date with `bingewatch run` first")
    for sub in ("logs", "tmp", "pycache"):
        (work_dir / sub).mkdir(parents=True, exist_ok=True)
    env = bench_environment(data_dir, work_dir)
    manifest_ok = dbt_parse(REPO / "dbt_project", work_dir / "manifest_ok", env, args.date)
    broken = broken_project(work_dir)
    manifest_broken = dbt_parse(broken, work_dir / "manifest_broken", env, args.date)
    env["BINGEWATCH_COSMOS_MANIFEST"] = str(manifest_ok)
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_at_start": load(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "date": args.date.isoformat(),
    }
    shapes = [s for s in args.cosmos_variants.split(",") if s]

    def cosmos_env(shape: str) -> dict:
        behavior, _, invocation = shape.partition("+")
        return {
            "BINGEWATCH_COSMOS_TEST_BEHAVIOR": behavior,
            "BINGEWATCH_COSMOS_INVOCATION": invocation or None,
        }

    if "parse" not in args.skip:
        parse: dict[str, list] = {"production": [], "cosmos": []}
        for _ in range(args.repeats):
            for name, dag_file in (("production", PRODUCTION_DAG), ("cosmos", COSMOS_DAG)):
                parse[name].append(measure_parse(dag_file, env))
                print(
                    name,
                    "parse",
                    {
                        k: parse[name][-1][k]
                        for k in ("dagbag_s", "process_s", "cli_list_import_errors_s", "load_before")
                    },
                    flush=True,
                )
        results["parse"] = parse
        results["parse_median"] = {
            name: {
                key: round(statistics.median(r[key] for r in runs), 2)
                for key in ("dagbag_s", "process_s", "cli_list_import_errors_s", "import_airflow_s")
            }
            for name, runs in parse.items()
        }

    if "run" not in args.skip:
        runs: dict[str, list] = {"one_task": []} | {f"cosmos_{s}": [] for s in shapes}
        for number in range(args.run_repeats):
            for name in runs:
                extra = cosmos_env(name.removeprefix("cosmos_")) if name.startswith("cosmos_") else {}
                log = work_dir / "logs" / f"run_{name}_{number}.log"
                result = run_child(
                    "one_task" if name == "one_task" else "cosmos",
                    args.date,
                    REPO / "dbt_project",
                    manifest_ok,
                    env,
                    log,
                    **extra,
                )
                result.pop("tasks", None)
                runs[name].append(result)
                print(
                    name,
                    "run",
                    {
                        k: result[k]
                        for k in (
                            "state",
                            "dbt_part_s",
                            "dag_test_s",
                            "process_s",
                            "task_count",
                            "load_before",
                        )
                    },
                    flush=True,
                )
        results["run"] = runs
        results["run_median"] = {
            name: {
                key: round(statistics.median(r[key] for r in rs), 1)
                for key in ("dbt_part_s", "dag_test_s", "process_s", "sum_task_s")
            }
            for name, rs in runs.items()
        }

    if "failure" not in args.skip:
        failure = {}
        for name in ["one_task"] + [f"cosmos_{s}" for s in shapes[:1]]:
            extra = cosmos_env(name.removeprefix("cosmos_")) if name.startswith("cosmos_") else {}
            extra["BINGEWATCH_COSMOS_MANIFEST"] = str(manifest_broken)
            # The task log at Airflow's default level, as the engineer reads it in the UI.
            extra["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
            log = work_dir / "logs" / f"failure_{name}.log"
            result = run_child(
                "one_task" if name == "one_task" else "cosmos",
                args.date,
                broken,
                manifest_broken,
                env,
                log,
                **extra,
            )
            failure[name] = failure_view(result) | {
                "dag_test_s": result["dag_test_s"],
                # Task start/end are the last try's: with retries this is not the whole failure.
                "last_try_dbt_part_s": result["dbt_part_s"],
                "load_before": result["load_before"],
            }
            print(name, "failure", json.dumps(failure[name], indent=1), flush=True)
        results["failure"] = failure

    results["machine"]["load_at_end"] = load()
    out = work_dir / "results.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(json.dumps({k: results.get(k) for k in ("machine", "parse_median", "run_median")}, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
