"""Anomaly checks against recent runs (Elementary-style): tonight's figures vs a robust band.

Each night the mart gate computes a handful of figures from the candidate (``run_figures``),
compares each with the same figure over the last N good runs, and warns when it falls outside
``median ± max(k · 1.4826 · MAD, min_spread · |median|)``. The comparison is a GX expectation
(suite ``anomalies``, checkpoint ``anomalies``) on a one-row table of tonight's figures, with
the band passed as suite parameters, so it is stored, rendered in Data Docs and carries GX's
``severity`` (``warning``) like every other check.

* A *good run* is an earlier arrival date whose mart gate passed and that was published
  (``runs/<d>/marts.json`` success with ``figures``, and ``runs/<d>/publish.json``).
* 1.4826 · MAD estimates the standard deviation of normal data while ignoring outliers, so one
  bad night in the history does not widen the band for the next N nights. ``min_spread``
  keeps a perfectly steady history (MAD = 0) from warning on any change at all.
* With fewer than ``min_runs`` good runs the check does not run: it is recorded as
  ``not enough history`` (neither pass nor failure), and the figure is still recorded, so it
  becomes history for later nights.

Settings (environment): ``BINGEWATCH_ANOMALY_K`` (3), ``BINGEWATCH_ANOMALY_RUNS`` (N = 14),
``BINGEWATCH_ANOMALY_MIN_RUNS`` (5), ``BINGEWATCH_ANOMALY_MIN_SPREAD`` (0.05).
"""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bingewatch.contract import MARTS_RECORD, PUBLISH_RECORD

NOT_ENOUGH_HISTORY = "not enough history"
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Figure:
    """One figure watched for anomalies: its column in run_figures, label and reason."""

    name: str
    label: str
    reason: str


FIGURES = [
    Figure(
        "raw_rows",
        "raw rows",
        "far fewer or more raw events than recent nights means a lost, partial or replayed upload",
    ),
    Figure(
        "quarantine_share",
        "quarantine share",
        "a jump in quarantined rows means a broken producer or a reference-data gap",
    ),
    Figure(
        "duplicate_share",
        "duplicates share",
        "client retries are steady; a change means a client or upload bug (or a double load)",
    ),
    Figure(
        "notable_share",
        "notable share",
        "notable viewers are rare and stable; a jump means a rule or pseudonym bug, a fall a lost population",
    ),
    Figure(
        "watch_hours_per_viewer_day",
        "watch hours per active viewer-day",
        "people do not suddenly watch much more or less: a change means lost or double-counted viewing",
    ),
]
FIGURE_NAMES = [figure.name for figure in FIGURES]
FIGURES_TABLE = "run_figures"
FIGURES_DDL = "received_date date, " + ", ".join(f"{name} double" for name in FIGURE_NAMES)
# The notable share and watch time look at the 7 local days ending the arrival date (the longest
# window a notable rule looks at); late data of older days does not move them.
WINDOW_DAYS = 7


def check_name(figure: str) -> str:
    """The expectation's meta name for a figure (``anomaly.raw_rows``)."""
    return f"anomaly.{figure}"


def parameters_for(figure: str) -> tuple[str, str]:
    return f"anomaly_{figure}_min", f"anomaly_{figure}_max"


@dataclass(frozen=True)
class Band:
    """Robust band of one figure over the history; ``low``/``high`` are None without enough."""

    median: float | None
    spread: float | None
    low: float | None
    high: float | None
    history_runs: int


def settings_from_env() -> dict[str, float]:
    """k, N, minimum history and minimum relative spread, from the environment."""

    def number(name: str, default: float) -> float:
        value = os.environ.get(name)
        return float(value) if value else default

    return {
        "k": number("BINGEWATCH_ANOMALY_K", 3.0),
        "runs": int(number("BINGEWATCH_ANOMALY_RUNS", 14)),
        "min_runs": int(number("BINGEWATCH_ANOMALY_MIN_RUNS", 5)),
        "min_spread": number("BINGEWATCH_ANOMALY_MIN_SPREAD", 0.05),
    }


def band(history: list[float], k: float, min_runs: int, min_spread: float) -> Band:
    """median ± max(k · 1.4826 · MAD, min_spread · |median|); no bounds below min_runs values."""
    if len(history) < max(min_runs, 1):
        return Band(None, None, None, None, len(history))
    median = statistics.median(history)
    mad = statistics.median(abs(value - median) for value in history)
    spread = max(k * MAD_TO_SIGMA * mad, min_spread * abs(median))
    return Band(median, spread, median - spread, median + spread, len(history))


def figures_from_candidate(candidate: Path, received_date: date) -> dict[str, float | None]:
    """Tonight's figures, read-only from the candidate; a figure without data is None."""
    import duckdb

    start = received_date - timedelta(days=WINDOW_DAYS - 1)
    with duckdb.connect(str(candidate), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        row = con.execute(
            "select raw_rows, quarantined_rows / nullif(raw_rows, 0), "
            "duplicate_rows / nullif(raw_rows, 0) from run_accounting where received_date = ?",
            [received_date],
        ).fetchone() or (None, None, None)
        active, watch = con.execute(
            "select count(distinct viewer_key), sum(watch_time_s) / 3600 / nullif(count(*), 0) "
            "from viewer_days where activity_date between ? and ?",
            [start, received_date],
        ).fetchone()
        notable = con.execute(
            "select count(distinct viewer_key) from notable_viewers where activity_date between ? and ?",
            [start, received_date],
        ).fetchone()[0]
    values = {
        "raw_rows": row[0],
        "quarantine_share": row[1],
        "duplicate_share": row[2],
        "notable_share": (notable / active) if active else None,
        "watch_hours_per_viewer_day": watch,
    }
    return {name: None if value is None else float(value) for name, value in values.items()}


def figures_by_rule(candidate: Path, received_date: date) -> dict[str, Any]:
    """Figures kept for the charts only (not checked): quarantine share by reason and notable
    share by rule for tonight."""
    import duckdb

    start = received_date - timedelta(days=WINDOW_DAYS - 1)
    out: dict[str, Any] = {"quarantine_share_by_reason": {}, "notable_share_by_rule": {}}
    with duckdb.connect(str(candidate), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        raw = con.execute(
            "select raw_rows from run_accounting where received_date = ?", [received_date]
        ).fetchone()
        if raw and raw[0] and "quarantine_reasons" in tables:
            for reason, rows in con.execute(
                "select reason, sum(rows) from quarantine_reasons where received_date = ? group by reason",
                [received_date],
            ).fetchall():
                out["quarantine_share_by_reason"][reason] = rows / raw[0]
        active = con.execute(
            "select count(distinct viewer_key) from viewer_days where activity_date between ? and ?",
            [start, received_date],
        ).fetchone()[0]
        if active:
            for rule, viewers in con.execute(
                "select rule, count(distinct viewer_key) from notable_viewers "
                "where activity_date between ? and ? group by rule",
                [start, received_date],
            ).fetchall():
                out["notable_share_by_rule"][rule] = viewers / active
    return out


def history(runs_dir: Path, received_date: date, runs: int) -> dict[str, list[float]]:
    """Each figure's values over the last ``runs`` good runs before ``received_date``."""
    values: dict[str, list[float]] = {name: [] for name in FIGURE_NAMES}
    if not runs_dir.is_dir():
        return values
    taken = 0
    for run in sorted(runs_dir.iterdir(), reverse=True):
        try:
            run_date = date.fromisoformat(run.name)
        except ValueError:
            continue
        if run_date >= received_date or not (run / PUBLISH_RECORD).is_file():
            continue
        try:
            record = json.loads((run / MARTS_RECORD).read_text())
        except (OSError, ValueError):
            continue
        figures = (record or {}).get("figures") or {}
        if not record.get("success") or not figures:
            continue
        for name in FIGURE_NAMES:
            if figures.get(name) is not None:
                values[name].append(float(figures[name]))
        taken += 1
        if taken == runs:
            break
    return values


def write_figures_table(path: Path, received_date: date, figures: dict[str, float | None]) -> None:
    """The one-row DuckDB table GX validates (``runs/<D>/figures.duckdb``)."""
    import duckdb

    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create table {FIGURES_TABLE} ({FIGURES_DDL})")
        con.execute(
            f"insert into {FIGURES_TABLE} values (?, {', '.join('?' for _ in FIGURE_NAMES)})",
            [received_date, *(figures[name] for name in FIGURE_NAMES)],
        )


def describe(figure: Figure, value: float | None, found: Band) -> str:
    """A sentence for the report: the value and its band, or why there is none."""

    def fmt(number: float | None) -> str:
        if number is None:
            return "n/a"
        return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.4g}"

    if found.low is None:
        return f"{figure.label} {fmt(value)}: {NOT_ENOUGH_HISTORY} ({found.history_runs} good run(s))"
    return (
        f"{figure.label} {fmt(value)}, band [{fmt(found.low)}, {fmt(found.high)}] "
        f"(median {fmt(found.median)} ± {fmt(found.spread)} over {found.history_runs} runs)"
    )


def evaluate(
    runs_dir: Path, candidate: Path, received_date: date, options: dict[str, float] | None = None
) -> dict[str, Any]:
    """Tonight's figures, their bands and the GX suite parameters (no GX here).

    Returns {"figures", "by_rule", "bands": {figure: {...}}, "parameters", "runnable"}:
    ``runnable`` lists the figures with enough history (and a value) to be checked tonight.
    """
    options = options or settings_from_env()
    figures = figures_from_candidate(candidate, received_date)
    past = history(runs_dir, received_date, int(options["runs"]))
    bands, parameters, runnable = {}, {}, []
    for figure in FIGURES:
        found = band(past[figure.name], options["k"], int(options["min_runs"]), options["min_spread"])
        low_name, high_name = parameters_for(figure.name)
        # Without a band a figure's bounds are open: the checkpoint runs only if one has a band.
        parameters[low_name], parameters[high_name] = found.low, found.high
        if found.low is not None and figures[figure.name] is not None:
            runnable.append(figure.name)
        bands[figure.name] = {
            "value": figures[figure.name],
            "median": found.median,
            "low": found.low,
            "high": found.high,
            "history_runs": found.history_runs,
            "description": describe(figure, figures[figure.name], found),
        }
    return {
        "figures": figures,
        "by_rule": figures_by_rule(candidate, received_date),
        "bands": bands,
        "parameters": parameters,
        "runnable": runnable,
        "options": options,
    }
