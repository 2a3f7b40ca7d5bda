"""How much of a nightly run validation takes, from the records a run leaves in runs/<D>/.

    .venv/bin/python -m bingewatch.quality.measure [DATA_DIR] [--json]

For each run date: the two gates' durations (``raw_batch.json``, ``marts.json``; of which
opening the GX context, i.e. the GX import in a fresh process, running the checkpoint's SQL,
and building Data Docs, when the gate recorded them), the other recorded steps (stage,
publish), and the run's span: from the start of ``validate_raw_batch`` (the first step after
the sensor) to the end of the last recorded step (publish, else the mart gate or the stage).
The span holds dbt and the orchestration gaps between tasks; it excludes the sensor's wait
and the report. Validation share = (raw gate + mart gate) / span. The project's target:
validation adds under 15 % to the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bingewatch.contract import MARTS_RECORD, PUBLISH_RECORD, RAW_RECORD, STAGE_RECORD
from bingewatch.records import read_json
from bingewatch.settings import Settings


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _started(record: dict[str, Any]) -> datetime | None:
    """When a step started: recorded (gates), else its end minus its duration."""
    started = _when(record.get("started_at"))
    if started is not None:
        return started
    ended = _when(record.get("finished_at") or record.get("published_at"))
    if ended is None or record.get("duration_s") is None:
        return None
    return ended - timedelta(seconds=record["duration_s"])


def measure_run(run_dir: Path) -> dict[str, Any] | None:
    """The validation cost of one run, or None when the run has no gate record."""
    raw = read_json(run_dir / RAW_RECORD)
    marts = read_json(run_dir / MARTS_RECORD)
    stage = read_json(run_dir / STAGE_RECORD)
    publish = read_json(run_dir / PUBLISH_RECORD)
    if raw is None and marts is None:
        return None
    steps = {"raw_gate": raw, "stage": stage, "mart_gate": marts, "publish": publish}
    durations = {name: (record or {}).get("duration_s") for name, record in steps.items()}
    starts = [s for s in (_started(r) for r in steps.values() if r) if s is not None]
    ends = [
        e
        for e in (
            _when((r or {}).get("published_at") or (r or {}).get("finished_at")) for r in steps.values()
        )
        if e is not None
    ]
    span = (max(ends) - min(starts)).total_seconds() if starts and ends else None
    validation = sum(d or 0 for d in (durations["raw_gate"], durations["mart_gate"]))
    timings = {gate: (record or {}).get("timings") or {} for gate, record in (("raw", raw), ("marts", marts))}
    recorded = any("context_s" in t for t in timings.values())  # records before timings: unknown
    gx_startup = sum(t.get("context_s", 0) for t in timings.values()) if recorded else None
    data_docs = sum(t.get("data_docs_s", 0) for t in timings.values()) if recorded else None
    return {
        "run": run_dir.name,
        "status": "published" if publish else "not published",
        "raw_rows": (raw or {}).get("row_count"),
        "viewer_days_recomputed": (marts or {}).get("viewer_days_recomputed"),
        "durations_s": durations,
        "gate_timings_s": timings,
        "validation_s": round(validation, 3),
        "gx_startup_s": None if gx_startup is None else round(gx_startup, 3),
        "data_docs_s": None if data_docs is None else round(data_docs, 3),
        "span_s": None if span is None else round(max(span, validation), 3),
        "validation_share": None if not span else round(validation / max(span, validation), 4),
        "validation_share_without_gx_startup": None
        if not span or gx_startup is None
        else round((validation - gx_startup) / max(span, validation), 4),
    }


def measure(settings: Settings) -> list[dict[str, Any]]:
    """Every run under runs/, oldest first."""
    if not settings.runs_dir.is_dir():
        return []
    runs = (measure_run(p) for p in sorted(settings.runs_dir.iterdir()) if p.is_dir())
    return [r for r in runs if r is not None]


def _fmt(value: Any, pattern: str = "{:.1f}") -> str:
    return "-" if value is None else pattern.format(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table, one line per run, with the totals over all runs last."""
    header = (
        f"{'run':<11} {'raw rows':>9} {'raw gate':>9} {'mart gate':>9} {'GX start':>9} "
        f"{'Data Docs':>9} {'span':>8} {'share':>7} {'w/o start':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        d = r["durations_s"]
        lines.append(
            f"{r['run']:<11} {_fmt(r['raw_rows'], '{:,}'):>9} {_fmt(d['raw_gate']):>9} "
            f"{_fmt(d['mart_gate']):>9} {_fmt(r['gx_startup_s']):>9} {_fmt(r['data_docs_s']):>9} "
            f"{_fmt(r['span_s']):>8} {_fmt(r['validation_share'], '{:.1%}'):>7} "
            f"{_fmt(r['validation_share_without_gx_startup'], '{:.1%}'):>9}"
        )
    measured = [r for r in rows if r["span_s"]]
    if measured:
        validation = sum(r["validation_s"] for r in measured)
        span = sum(r["span_s"] for r in measured)
        timed = all(r["gx_startup_s"] is not None for r in measured)
        startup = sum(r["gx_startup_s"] for r in measured) if timed else None
        lines.append("-" * len(header))
        lines.append(
            f"{'all':<11} {'':>9} {'':>9} {'':>9} {_fmt(startup):>9} {'':>9} {span:>8.1f} "
            f"{validation / span:>7.1%} "
            f"{_fmt(None if startup is None else (validation - startup) / span, '{:.1%}'):>9}"
        )
    lines.append(
        "seconds; span = start of validate_raw_batch to the end of the last recorded step "
        "(dbt and task gaps included, sensor wait and report excluded); "
        "share = (raw gate + mart gate) / span; 'w/o start' leaves out opening the GX context "
        "(the GX import in a fresh task process)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data_dir", nargs="?", help="data directory (default: $BINGEWATCH_DATA_DIR or ./data)"
    )
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.data_dir)
    rows = measure(settings)
    if not rows:
        print(f"no run records under {settings.runs_dir}", file=sys.stderr)
        return 1
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
