"""DuckDB against local Spark: the same dbt models, the same data, the same machine, one run.

For docs/benchmarks.md ("DuckDB vs local Spark"). Generates `small` data (10,000 viewers) into a
scratch data directory, then builds it on each target exactly as the nightly run does
(`bingewatch.nightly.dbt_build.run_dbt`, i.e. `dbt build` with its data tests), in two steps:

1. a first build of the first two arrival dates in one window (what a backfill does), and
2. the incremental build of the third date (a nightly run, with late events).

DuckDB and Spark alternate step by step, so both see the same load. Each step is timed from
the start of the dbt process to its end (Spark's JVM start-up included: a nightly run pays it).
The two targets keep separate warehouses in the same data directory (warehouse/bingewatch.duckdb,
warehouse/spark/), as in tests/spark/. Needs `make install spark-install`; never touches ./data:

    .venv/bin/python bench/duckdb_vs_spark.py --data-dir /tmp/bench-spark --scale small

Results are printed and written to `<data-dir>/duckdb_vs_spark.json`, with `os.getloadavg()`
before each step (the machine is shared; a busy machine slows both).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bingewatch.nightly.dbt_build import run_dbt  # noqa: E402
from bingewatch.settings import Settings  # noqa: E402


def timed_build(settings: Settings, target: str, start: date, end: date) -> dict:
    """One `dbt build` of [start, end] on one target: wall time, dbt's own time, statuses."""
    os.environ["BINGEWATCH_DBT_TARGET"] = target
    load = os.getloadavg()[0]
    started = time.monotonic()
    summary = run_dbt(settings, start, end, echo=None)
    wall = time.monotonic() - started
    return {
        "target": target,
        "window": [start.isoformat(), end.isoformat()],
        "wall_s": round(wall, 1),
        "dbt_elapsed_s": round(summary["elapsed_s"] or 0, 1),
        "statuses": summary["statuses"],
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--start", default="2026-03-02")
    args = parser.parse_args()

    os.environ.setdefault("BINGEWATCH_PSEUDONYM_KEY", "bingewatch-bench-key")
    settings = Settings.from_env(args.data_dir)
    first = date.fromisoformat(args.start)
    if not settings.events_dir.exists():
        subprocess.run(
            [
                str(REPO / ".venv" / "bin" / "bingewatch"),
                "--data-dir",
                str(settings.data_dir),
                "generate",
                "--scale",
                args.scale,
                "--days",
                "3",
                "--start",
                first.isoformat(),
            ],
            check=True,
        )
    events = sum(
        json.loads((settings.raw_dir / "_generator" / "manifest.json").read_text())["per_received_date"][
            (first + timedelta(days=offset)).isoformat()
        ]["raw_rows"]
        for offset in range(3)
    )

    steps = [
        ("first build, 2 arrival dates", first, first + timedelta(days=1)),
        ("nightly incremental, 1 date", first + timedelta(days=2), first + timedelta(days=2)),
    ]
    results = []
    for label, start, end in steps:
        for target in ("duckdb", "spark"):
            result = {"step": label, **timed_build(settings, target, start, end)}
            print(json.dumps(result), flush=True)
            results.append(result)

    ratios = {}
    for label, _, _ in steps:
        duck, spark = (r["wall_s"] for r in results if r["step"] == label)
        ratios[label] = round(spark / duck, 1)
    report = {
        "scale": args.scale,
        "raw_events_3_days": events,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "results": results,
        "spark_over_duckdb_wall_time": ratios,
    }
    out = settings.data_dir / "duckdb_vs_spark.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(ratios, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
