"""Benchmark of the ledger of raw files (docs/benchmarks.md, "Catch-up and history").

1. Catch-up vs nightly runs, in one invocation: the same raw data (the `sample` preset, 21
   arrival dates) run through the DAG once per date (`bingewatch run --each-date`) and in one
   catch-up run (`bingewatch run`); the published snapshots are compared whole (every table,
   every column) and the ratio of wall times reported.
2. A five-year personal export from import to published: a made-up household's
   ViewingActivity.csv (three profiles, five years of evenings, resumed episodes, trailers) is
   imported and published by one `bingewatch run`.

    .venv/bin/python bench/arrivals.py [--results-dir bench/results] [--keep DIR]

Writes <date>-arrivals.json and .md. Wall times on a shared machine are noisy; the ratio is
measured in one invocation, so both sides see the same machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "BINGEWATCH_ALLOW_DEV_KEY": "1", "DO_NOT_TRACK": "1"}


def bingewatch(data_dir: Path, *args: str) -> float:
    """Run the CLI; return its wall time (raise with its output on failure)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), *args],
        env={**ENV, "AIRFLOW_HOME": str(data_dir / "airflow")},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        output = result.stdout[-3000:] + result.stderr[-3000:]
        raise SystemExit(f"bingewatch {' '.join(args)} failed:\n{output}")
    return round(time.monotonic() - started, 1)


def snapshot(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("show tables").fetchall()]
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in tables}


def catch_up_vs_nightly(work: Path) -> dict:
    raw = work / "raw-sample"
    bingewatch(raw, "generate", "--scale", "sample")
    nightly, catch_up = work / "nightly", work / "catch-up"
    for target in (nightly, catch_up):
        shutil.copytree(raw / "raw", target / "raw")
    dates = sorted(p.name for p in (raw / "raw" / "playback_events").iterdir())
    nightly_s = bingewatch(nightly, "run", "--each-date")
    catch_up_s = bingewatch(catch_up, "run")
    equal = snapshot(nightly / "published" / "bingewatch.duckdb") == snapshot(
        catch_up / "published" / "bingewatch.duckdb"
    )
    return {
        "arrival_dates": len(dates),
        "nightly_runs_s": nightly_s,
        "catch_up_run_s": catch_up_s,
        "ratio_catch_up_to_nightly": round(catch_up_s / nightly_s, 3),
        "published_snapshots_equal": equal,
    }


TITLES = [
    ("The Office (U.S.): Season {s}: Episode {e} (Episode {e})", 1320),
    ("Stranger Things: Season {s}: Chapter {e} (Episode {e})", 3000),
    ("The Crown: Season {s}: Episode {e} (Episode {e})", 3480),
]
FILMS = [("A Christmas Prince", 5520), ("Glass Onion: A Knives Out Mystery", 8340)]


def write_household_export(path: Path, start: date, years: int, seed: int = 7) -> int:
    """A made-up ViewingActivity.csv: three profiles, `years` years of evenings. Returns rows."""
    rng = random.Random(seed)
    rows = []
    day = start
    end = start + timedelta(days=365 * years)
    while day < end:
        for profile in ("Alex", "Sam", "Kid"):
            if rng.random() < 0.45:
                continue
            at = datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(0, 300)
            )
            for _ in range(rng.randrange(1, 4)):
                if rng.random() < 0.15:
                    title, runtime = rng.choice(FILMS)
                else:
                    pattern, runtime = rng.choice(TITLES)
                    title = pattern.format(s=rng.randrange(1, 5), e=rng.randrange(1, 13))
                watched = rng.randrange(runtime // 3, runtime)
                rows.append(
                    {
                        "Profile Name": profile,
                        "Start Time": at.strftime("%Y-%m-%d %H:%M:%S"),
                        "Duration": str(timedelta(seconds=watched)),
                        "Attributes": "Autoplayed: user action: None; " if rng.random() < 0.3 else "",
                        "Title": title,
                        "Supplemental Video Type": "",
                        "Device Type": "Samsung 2019 UHD TV",
                        "Bookmark": str(timedelta(seconds=watched)),
                        "Latest Bookmark": str(timedelta(seconds=watched)),
                        "Country": "DE (Germany)",
                    }
                )
                at += timedelta(seconds=watched + rng.randrange(30, 600))
            if rng.random() < 0.2:  # a trailer before the next evening
                trailer = {"Title": "Trailer", "Supplemental Video Type": "TRAILER"}
                short = dict.fromkeys(("Duration", "Bookmark", "Latest Bookmark"), "0:00:45")
                rows.append({**rows[-1], **trailer, **short})
        day += timedelta(days=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def personal_history(work: Path, years: int = 5) -> dict:
    export = work / "export" / "ViewingActivity.csv"
    rows = write_household_export(export, date(2021, 1, 1), years)
    data_dir = work / "personal"
    import_s = bingewatch(data_dir, "import-netflix", str(export.parent), "--time-zone", "Europe/Berlin")
    partitions = len(list((data_dir / "raw" / "playback_events").iterdir()))
    run_s = bingewatch(data_dir, "run")
    with duckdb.connect(str(data_dir / "published" / "bingewatch.duckdb"), read_only=True) as con:
        days, first, last = con.execute(
            "select count(*), min(activity_date)::varchar, max(activity_date)::varchar from viewer_days"
        ).fetchone()
    return {
        "years": years,
        "export_rows": rows,
        "arrival_date_partitions": partitions,
        "import_s": import_s,
        "run_s": run_s,
        "published_viewer_days": days,
        "first_activity_date": first,
        "last_activity_date": last,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep", type=Path, default=None, help="work in DIR and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bingewatch-arrivals-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
            "catch_up_vs_nightly": catch_up_vs_nightly(work),
            "personal_history": personal_history(work),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    stem = args.results_dir / f"{date.today().isoformat()}-arrivals"
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    c, p = results["catch_up_vs_nightly"], results["personal_history"]
    stem.with_suffix(".md").write_text(
        "| figure | value |\n|---|---|\n"
        f"| {c['arrival_dates']} sample arrival dates, one nightly run each | {c['nightly_runs_s']} s |\n"
        f"| the same dates in one catch-up run | {c['catch_up_run_s']} s |\n"
        f"| catch-up / nightly | {c['ratio_catch_up_to_nightly']}x |\n"
        f"| published snapshots equal | {c['published_snapshots_equal']} |\n"
        f"| {p['years']}-year household export: rows / partitions | {p['export_rows']:,} / "
        f"{p['arrival_date_partitions']:,} |\n"
        f"| import | {p['import_s']} s |\n"
        f"| one run, import to published | {p['run_s']} s ({p['published_viewer_days']:,} viewer-days, "
        f"{p['first_activity_date']}..{p['last_activity_date']}) |\n"
    )
    print(stem.with_suffix(".md").read_text())
    return 0 if c["published_snapshots_equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
