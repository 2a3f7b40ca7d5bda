"""The two quality gates of a run: the raw batch before dbt, the marts before publication.

Each gate writes its full record to ``runs/<D>/<gate>.json`` first, then raises
``QualityGateFailed`` if any blocking expectation failed, so the report can always show what
was checked. The returned summary is small and JSON-serialisable (an Airflow XCom).
"""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bingewatch.settings import Settings

log = logging.getLogger(__name__)

CRITICAL = "critical"  # GX's FailureSeverity.CRITICAL: the only severity that blocks
RAW_RECORD = "raw_batch.json"
MARTS_RECORD = "marts.json"

# Tunables, overridable from the environment (documented in docs/data_quality.md).
DEFAULT_MAX_NOTABLE_SHARE = 0.25
DEFAULT_MIN_GROUP_SIZE = 10
DEFAULT_MIN_ROW_RATIO = 0.8
VOLUME_FACTOR = 2.0  # raw volume warning outside [median / 2, median * 2] of recent runs
VOLUME_HISTORY_RUNS = 7


class QualityGateFailed(Exception):
    """A blocking expectation failed; the message names each one."""

    def __init__(self, message: str, record: dict[str, Any]):
        super().__init__(message)
        self.record = record


def as_date(value: date | str) -> date:
    """Accept a date or its ISO string (Airflow templates and XComs carry strings)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write a record atomically, so a killed task never leaves half a JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    """A record, or None when it is missing or unreadable (the report must still render)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def blocks(check: dict[str, Any]) -> bool:
    """Whether a failed check blocks publication: GX severity ``critical`` (``blocking`` in
    pre-checks written before GX had severities), or any check that errored (fails closed)."""
    return check.get("severity") in (CRITICAL, "blocking") or bool(check.get("exception"))


def _precheck(name: str, severity: str, reason: str, success: bool, **extra: Any) -> dict:
    # Pre-checks speak GX's severities too; "blocking" is the older spelling of "critical".
    severity = CRITICAL if severity == "blocking" else severity
    return {
        "suite": "precheck",
        "name": name,
        "expectation_type": "python_precheck",
        "column": None,
        "severity": severity,
        "reason": reason,
        "success": success,
        "observed_value": extra.get("observed_value"),
        "unexpected_count": None,
        "partial_unexpected_list": [],
        "unexpected_rows": [],
        "exception": extra.get("exception"),
    }


def _describe_failure(check: dict[str, Any]) -> str:
    parts = [check["expectation_type"]]
    column = check.get("column")
    if column:
        parts.append("on " + (", ".join(column) if isinstance(column, list) else str(column)))
    if check["expectation_type"] == "unexpected_rows_expectation" and check.get("observed_value"):
        parts.append(f"{check['observed_value']} unexpected row(s)")
    elif check.get("unexpected_count"):
        parts.append(f"{check['unexpected_count']} unexpected")
    elif check.get("observed_value") is not None:
        parts.append(f"observed {check['observed_value']}")
    if check.get("exception"):
        parts.append(f"could not run: {check['exception'].splitlines()[0][:200]}")
    return f"{check['name']} ({'; '.join(parts)})"


def _finish(
    gate: str,
    settings: Settings,
    received_date: date,
    checks: list[dict[str, Any]],
    started: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Write the record, then raise on blocking failures; returns the XCom summary."""
    # An expectation that could not run (unreadable pages, a missing column) fails closed:
    # it blocks whatever its severity, since the data it guards was never looked at.
    # success None: not run for lack of history (anomaly checks), neither pass nor failure.
    blocking = [c for c in checks if c["success"] is False and blocks(c)]
    warnings = [c for c in checks if c["success"] is False and c not in blocking]
    record_path = settings.run_dir(received_date) / (RAW_RECORD if gate == "raw_batch" else MARTS_RECORD)
    summary = {
        "gate": gate,
        "received_date": received_date.isoformat(),
        "success": not blocking,
        "checked": len(checks),
        "blocking_failures": [c["name"] for c in blocking],
        "warning_failures": [c["name"] for c in warnings],
        "duration_s": round(time.monotonic() - started, 3),
        "started_at": (datetime.now(UTC) - timedelta(seconds=time.monotonic() - started)).isoformat(
            timespec="milliseconds"
        ),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "record": str(record_path),
        **extra,
    }
    write_json(record_path, {**summary, "checks": checks})
    for check in warnings:
        log.warning("%s warning: %s", gate, _describe_failure(check))
    if blocking:
        lines = "\n".join(f"  - {_describe_failure(c)}" for c in blocking)
        raise QualityGateFailed(
            f"{gate} gate failed for {received_date}: {len(blocking)} blocking "
            f"expectation(s) failed (details: {record_path}):\n{lines}",
            summary,
        )
    return summary


def _run_gx(
    settings: Settings,
    checkpoint: str,
    urls: dict[str, str],
    parameters: dict[str, Any],
    timings: dict[str, float] | None = None,
    received_date: date | None = None,
    only: list[str] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Run a checkpoint; a crash of GX itself becomes a failed blocking check (recorded)."""
    from bingewatch.quality.runner import run_checkpoint

    if received_date is None:  # the gates name GX runs by arrival date (Data Docs list them so)
        received_date = parameters.get("run_dates", [None])[0] or parameters.get("partition_starts_at")
    try:
        return run_checkpoint(
            settings,
            checkpoint,
            urls,
            parameters,
            timings=timings,
            received_date=None if received_date is None else str(received_date)[:10],
            only=only,
        )
    except Exception as error:  # the gate must fail closed, with a record, whatever broke
        log.exception("checkpoint %s did not run", checkpoint)
        check = _precheck(
            f"{checkpoint}.checkpoint_ran",
            "blocking",
            "an audit that could not run is not a pass",
            False,
            exception=f"{type(error).__name__}: {error}"[:500],
        )
        return [check], None


# --- raw batch ------------------------------------------------------------------------------
def _volume_bounds(
    settings: Settings, received_date: date, record_name: str = RAW_RECORD, key: str = "row_count"
) -> tuple[int, int | None, int | None]:
    """Bounds for a per-run volume from the recent runs' records: (min, max, median or None).

    Uses ``key`` of ``runs/<earlier date>/<record_name>`` for up to VOLUME_HISTORY_RUNS earlier
    runs; a run that recorded 0 (an empty day) or nothing is not history. Outside
    [median / 2, median * 2] warns. No history, no bound.
    """
    history = []
    if settings.runs_dir.is_dir():
        for run in sorted(settings.runs_dir.iterdir(), reverse=True):
            try:
                run_date = date.fromisoformat(run.name)
            except ValueError:
                continue
            record = read_json(run / record_name)
            if run_date < received_date and record and record.get(key):
                history.append(record[key])
            if len(history) == VOLUME_HISTORY_RUNS:
                break
    if not history:
        return 0, None, None
    median = statistics.median(history)
    return math.floor(median / VOLUME_FACTOR), math.ceil(median * VOLUME_FACTOR), int(median)


def _create_batch_view(batch_path: Path, files: list[Path], raw_columns: dict[str, str]) -> None:
    """A DuckDB file in run_dir holding only a view over the partition's Parquet files."""
    import duckdb

    with duckdb.connect(str(batch_path)) as con:
        if files:
            file_list = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
            # union_by_name: a file with a drifted schema shows up as a drifted column.
            con.execute(
                "create view playback_events as select * from read_parquet("
                f"[{file_list}], union_by_name = true, hive_partitioning = false)"
            )
            con.execute("select count(*) from playback_events").fetchone()
        else:  # an empty partition: an empty contract-shaped table, so the suites still run
            columns = ", ".join(f"{name} {type_}" for name, type_ in raw_columns.items())
            con.execute(f"create table playback_events ({columns})")


def validate_raw_batch(settings: Settings, received_date: date) -> dict[str, Any]:
    """Run the raw-batch suites on partition D; raise QualityGateFailed on blocking failures.

    Pre-checks in Python (partition exists, every Parquet file readable) come first, since GX
    cannot open a batch that does not exist; their results are recorded like expectations.
    The batch is a DuckDB file in run_dir holding only a view over the partition's Parquet
    files, so every expectation runs as SQL on the files (no pandas).
    """
    import duckdb

    from bingewatch.quality.runner import duckdb_url
    from bingewatch.quality.suites import RAW_CHECKPOINT, RAW_COLUMNS

    started = time.monotonic()
    received_date = as_date(received_date)
    partition = settings.events_partition(received_date)
    run_dir = settings.run_dir(received_date)
    run_dir.mkdir(parents=True, exist_ok=True)
    # A (re)run of D starts here: an earlier attempt's later records no longer describe it.
    for stale in ("stage.json", MARTS_RECORD, "publish.json"):
        (run_dir / stale).unlink(missing_ok=True)
    extra: dict[str, Any] = {"partition": str(partition), "row_count": None, "files": 0}
    checks = [
        _precheck(
            "raw.partition_exists",
            "blocking",
            "the sensor saw it; a vanished partition is an upstream incident, not an empty day",
            partition.is_dir(),
            observed_value=str(partition),
        )
    ]
    if not partition.is_dir():
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    files = sorted(p for p in partition.glob("*.parquet") if p.is_file())
    extra["files"] = len(files)
    unreadable = []
    with duckdb.connect() as con:
        for path in files:
            try:
                con.execute("select count(*) from parquet_metadata(?)", [str(path)]).fetchone()
            except duckdb.Error as error:
                unreadable.append(f"{path.name}: {str(error).splitlines()[0][:160]}")
    checks.append(
        _precheck(
            "raw.files_readable",
            "blocking",
            "a corrupt Parquet file would be silently skipped or crash dbt: the producer must resend it",
            not unreadable,
            observed_value=unreadable or f"{len(files)} file(s)",
        )
    )
    if unreadable:
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    batch_path = run_dir / "raw_batch.duckdb"
    for stale in (batch_path, batch_path.with_name(batch_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        _create_batch_view(batch_path, files, RAW_COLUMNS)
    except duckdb.Error as error:
        checks.append(
            _precheck(
                "raw.batch_opens",
                "blocking",
                "the partition's files cannot be read together (incompatible schemas?)",
                False,
                exception=str(error).splitlines()[0][:300],
            )
        )
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    raw_min, raw_max, median = _volume_bounds(settings, received_date)
    parameters = {
        "raw_min_rows": raw_min,
        "raw_max_rows": raw_max,
        "partition_starts_at": f"{received_date.isoformat()} 00:00:00",
        "partition_ends_at": f"{(received_date + timedelta(days=1)).isoformat()} 00:00:00",
    }
    extra["volume_bounds"] = {"min": raw_min, "max": raw_max, "recent_median": median}
    timings: dict[str, float] = {}
    extra["timings"] = timings
    gx_checks, docs = _run_gx(
        settings,
        RAW_CHECKPOINT,
        {"bingewatch_raw_batch_url": duckdb_url(batch_path)},
        parameters,
        timings,
    )
    checks.extend(gx_checks)
    extra["data_docs"] = docs
    for check in gx_checks:
        if check["name"] == "raw.non_empty" and isinstance(check["observed_value"], int):
            extra["row_count"] = check["observed_value"]
    return _finish("raw_batch", settings, received_date, checks, started, extra)


# --- marts ----------------------------------------------------------------------------------
def previous_viewer_days_rows(settings: Settings) -> int | None:
    """Rows of viewer_days in the current publication (read-only), or None if there is none."""
    import duckdb

    if not settings.published_path.exists():
        return None
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as con:
            return con.execute("select count(*) from viewer_days").fetchone()[0]
    except duckdb.Error:
        log.warning("could not read viewer_days from %s", settings.published_path)
        return None


RECONCILIATION_CHECK = "warehouse.sessions_reconcile_with_viewer_days"


def _reconciliation_sample(warehouse: Path, limit: int = 10) -> list[dict[str, Any]]:
    """Up to ``limit`` mismatching sessions / viewer-days, read-only, only after a failure.

    GX's SUMMARY results carry the count of unexpected rows but not the rows; the record and
    the report should say which session or day does not add up.
    """
    import duckdb

    from bingewatch.quality.suites import WATCH_TIME_RECONCILIATION

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cursor = con.execute(
                f"{WATCH_TIME_RECONCILIATION} order by level, item limit {limit}"
            )
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        log.warning("could not sample the reconciliation mismatches", exc_info=True)
        return []


def file_fingerprint(path: Path) -> dict[str, int]:
    """What publish() compares to be sure it ships the file that was audited."""
    stat = Path(path).stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def validate_marts(settings: Settings, candidate_path: Path, received_date: date) -> dict[str, Any]:
    """Run the mart suites on the candidate file; raise QualityGateFailed on blocking failures."""
    from bingewatch.quality.runner import duckdb_url
    from bingewatch.quality.suites import MARTS_CHECKPOINT
    from bingewatch.warehouse_tables import readable_warehouse

    started = time.monotonic()
    received_date = as_date(received_date)
    candidate_path = Path(candidate_path)
    settings.run_dir(received_date).mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"candidate": str(candidate_path)}
    exists = candidate_path.is_file()
    checks = [
        _precheck(
            "candidate.exists",
            "blocking",
            "stage_candidate must have built it",
            exists,
            observed_value=str(candidate_path),
        )
    ]
    if not exists:
        return _finish("marts", settings, received_date, checks, started, extra)

    previous_rows = previous_viewer_days_rows(settings)
    min_ratio = _env_float("BINGEWATCH_MIN_ROW_RATIO", DEFAULT_MIN_ROW_RATIO)
    recomputed_min, recomputed_max, recomputed_median = _volume_bounds(
        settings, received_date, MARTS_RECORD, "viewer_days_recomputed"
    )
    parameters = {
        "max_notable_share": _env_float("BINGEWATCH_MAX_NOTABLE_SHARE", DEFAULT_MAX_NOTABLE_SHARE),
        "min_group_size": int(_env_float("BINGEWATCH_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE)),
        "viewer_days_min_rows": math.ceil((previous_rows or 0) * min_ratio),
        "run_dates": [received_date.isoformat()],
        "recomputed_min_rows": recomputed_min,
        "recomputed_max_rows": recomputed_max,
    }
    extra["parameters"] = parameters
    extra["previous_viewer_days_rows"] = previous_rows
    extra["recomputed_volume_bounds"] = {
        "min": recomputed_min,
        "max": recomputed_max,
        "recent_median": recomputed_median,
    }
    extra["viewer_days_recomputed"] = None
    timings: dict[str, float] = {}
    extra["timings"] = timings
    # The warehouse is opened read-only by GX for the reconciliation checks: validate_marts
    # runs after dbt has finished writing it (one writer at a time, DESIGN §5). On the spark
    # target it is a DuckDB file of views over Spark's Parquet tables.
    warehouse = readable_warehouse(settings)
    gx_checks, docs = _run_gx(
        settings,
        MARTS_CHECKPOINT,
        {
            "bingewatch_candidate_url": duckdb_url(candidate_path),
            "bingewatch_warehouse_url": duckdb_url(warehouse),
        },
        parameters,
        timings,
    )
    checks.extend(gx_checks)
    extra["data_docs"] = docs
    for check in gx_checks:
        if check["name"] == RECONCILIATION_CHECK and not check["success"] and not check["exception"]:
            check["unexpected_rows"] = _reconciliation_sample(warehouse)
        if check["name"] == "warehouse.viewer_days_volume_vs_recent_runs" and isinstance(
            check["observed_value"], int
        ):
            extra["viewer_days_recomputed"] = check["observed_value"]
    # Anomalies against recent runs (warnings; bingewatch.quality.anomalies).
    checks.extend(_anomaly_checks(settings, candidate_path, received_date, extra))
    extra["candidate_fingerprint"] = file_fingerprint(candidate_path)
    return _finish("marts", settings, received_date, checks, started, extra)


def _anomaly_checks(
    settings: Settings, candidate_path: Path, received_date: date, extra: dict[str, Any]
) -> list[dict[str, Any]]:
    """Tonight's figures vs the robust band of recent good runs, as GX expectations.

    Figures with enough history run their suite (``anomalies`` checkpoint); the others are
    recorded as "not enough history" (success None: neither pass nor failure). Figures, bands
    and the by-reason / by-rule shares go into the record for the report's charts.
    """
    import duckdb

    from bingewatch.quality import anomalies
    from bingewatch.quality.runner import duckdb_url
    from bingewatch.quality.suites import ANOMALIES_CHECKPOINT, anomaly_suite

    try:
        found = anomalies.evaluate(settings.runs_dir, candidate_path, received_date)
    except duckdb.Error as error:  # a candidate GX already judged; the figures are extra
        log.warning("anomaly figures could not be computed: %s", error)
        return []
    extra["figures"] = found["figures"]
    extra["figures_by_rule"] = found["by_rule"]
    extra["anomaly_bands"] = found["bands"]
    extra["anomaly_options"] = found["options"]
    checks: list[dict[str, Any]] = []
    if found["runnable"]:
        figures_path = settings.run_dir(received_date) / "figures.duckdb"
        anomalies.write_figures_table(figures_path, received_date, found["figures"])
        timings: dict[str, float] = {}
        extra.setdefault("timings", {})["anomalies"] = timings
        gx_checks, _ = _run_gx(
            settings,
            ANOMALIES_CHECKPOINT,
            {"bingewatch_figures_url": duckdb_url(figures_path)},
            found["parameters"],
            timings,
            received_date=received_date,
            only=[anomaly_suite(name) for name in found["runnable"]],
        )
        checks.extend(gx_checks)
    by_name = {c["name"]: c for c in checks}
    for figure in anomalies.FIGURES:
        band = found["bands"][figure.name]
        check = by_name.get(anomalies.check_name(figure.name))
        if check is None:
            checks.append(
                _precheck(
                    anomalies.check_name(figure.name),
                    "warning",
                    f"{figure.label} outside its band of recent runs: {figure.reason}",
                    None,  # type: ignore[arg-type]
                    observed_value=band["description"],
                )
            )
            checks[-1].update(
                suite=anomaly_suite(figure.name),
                expectation_type="expect_column_values_to_be_between",
                figure=figure.name,
                status=anomalies.NOT_ENOUGH_HISTORY if band["low"] is None else "no value tonight",
            )
        else:
            check["observed_value"] = band["description"]
            check["figure"] = figure.name
    return checks
