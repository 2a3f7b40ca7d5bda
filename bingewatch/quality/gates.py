"""The two quality gates of a run: the raw batch before dbt, the marts before publication.

Each gate writes its full record to ``runs/<D>/<gate>.json`` first, then raises
``QualityGateFailed`` if any blocking expectation failed, so the report can always show what
was checked. The returned summary is small and JSON-serialisable (an Airflow XCom).
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bingewatch.contract import MARTS_RECORD, RAW_RECORD
from bingewatch.records import read_json, write_json
from bingewatch.settings import Settings

log = logging.getLogger(__name__)

CRITICAL = "critical"  # GX's FailureSeverity.CRITICAL: the only severity that blocks

# Tunables, overridable from the environment (documented in docs/data_quality.md).
DEFAULT_MAX_NOTABLE_SHARE = 0.25
DEFAULT_MIN_GROUP_SIZE = 10
DEFAULT_MIN_ROW_RATIO = 0.8
# A batch whose quarantined share passes this blocks publication (a broken producer never
# publishes a day of zeros); the run_accounting suite warns from 1 %.
DEFAULT_MAX_QUARANTINE_SHARE = 0.20
VOLUME_FACTOR = 2.0  # raw volume warning outside [median / 2, median * 2] of recent runs
VOLUME_HISTORY_RUNS = 7


class QualityGateFailed(Exception):
    """A blocking expectation failed; the message names each one."""

    def __init__(self, message: str, record: dict[str, Any]):
        super().__init__(message)
        self.record = record


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


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


NOT_EVALUATED = "not evaluated"


def _mark_not_evaluated(checks: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    """A check compared against a baseline it does not have says so, instead of PASS.

    Without earlier runs a volume bound is open, and without a readable publication the
    row-count floor is 0: GX then reports success although nothing was compared. Such a check
    is recorded as not evaluated (``success`` false, ``not_evaluated`` true): a warning in the
    log and the report, never a pass, and never blocking (a first run must be able to publish).
    """
    why: dict[str, str] = {}
    if "volume_bounds" in extra and extra["volume_bounds"].get("recent_median") is None:
        why["raw.volume_vs_recent_runs"] = "no earlier run with rows to compare the volume with"
    recomputed = extra.get("recomputed_volume_bounds")
    if recomputed is not None and recomputed.get("recent_median") is None:
        why["warehouse.viewer_days_volume_vs_recent_runs"] = "no earlier run to compare the volume with"
    if "previous_viewer_days_rows" in extra and extra["previous_viewer_days_rows"] is None:
        why["viewer_days.no_row_count_collapse"] = extra.get("previous_viewer_days_error") or (
            "no earlier publication to compare the row count with"
        )
    for check in checks:
        if check["name"] in why and check["success"] and not check.get("exception"):
            check["success"] = False
            check["not_evaluated"] = True
            check["observed_value"] = f"{NOT_EVALUATED}: {why[check['name']]}"


def _finish(
    gate: str,
    settings: Settings,
    received_date: date,
    checks: list[dict[str, Any]],
    started: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Write the record, then raise on blocking failures; returns the XCom summary."""
    _mark_not_evaluated(checks, extra)
    not_evaluated = [c for c in checks if c.get("not_evaluated")]
    # An expectation that could not run (unreadable pages, a missing column) fails closed:
    # it blocks whatever its severity, since the data it guards was never looked at.
    # success None: not run for lack of history (anomaly checks), neither pass nor failure;
    # not evaluated (no baseline): reported as such, never blocking.
    blocking = [c for c in checks if c["success"] is False and blocks(c) and c not in not_evaluated]
    warnings = [c for c in checks if c["success"] is False and c not in blocking and c not in not_evaluated]
    record_path = settings.run_dir(received_date) / (RAW_RECORD if gate == "raw_batch" else MARTS_RECORD)
    summary = {
        "gate": gate,
        "received_date": received_date.isoformat(),
        "success": not blocking,
        "checked": len(checks),
        "blocking_failures": [c["name"] for c in blocking],
        "warning_failures": [c["name"] for c in warnings],
        "not_evaluated": [c["name"] for c in not_evaluated],
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
    for check in not_evaluated:
        log.warning("%s warning: %s %s", gate, check["name"], check["observed_value"])
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
        received_date = (parameters.get("run_dates") or [None])[0] or parameters.get("partition_starts_at")
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
            CRITICAL,
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
    """A DuckDB file in run_dir holding only a view over the batch's Parquet files."""
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
        else:  # an empty batch: an empty contract-shaped table, so the suites still run
            columns = ", ".join(f"{name} {type_}" for name, type_ in raw_columns.items())
            con.execute(f"create table playback_events ({columns})")


def describe_partition(partition: Path) -> str:
    """What a raw partition folder holds, in words that tell a missing one from an empty one."""
    if not partition.is_dir():
        return f"missing: no folder {partition} (nothing was delivered for this arrival date)"
    parquet = [p for p in partition.glob("*.parquet") if p.is_file()]
    if parquet:
        return f"{partition}: {len(parquet)} Parquet file(s)"
    others = sorted(p.name for p in partition.iterdir() if not p.name.startswith("."))
    return f"empty: folder {partition} exists but holds no Parquet file" + (
        f" (only {', '.join(others[:10])})" if others else ""
    )


def other_files_check(partitions: list[Path], root: Path) -> dict[str, Any]:
    """Warning: files in the partitions that are not Parquet are never read; someone should know."""
    others = sorted(
        str(p.relative_to(root))
        for partition in partitions
        if partition.is_dir()
        for p in partition.iterdir()
        if p.suffix != ".parquet" and not p.name.startswith(".")
    )
    return _precheck(
        "raw.only_parquet_files",
        "warning",
        "a file that is not Parquet (a CSV, a .tmp, a misnamed upload) is not read: its rows, if "
        "any, are not in the batch",
        not others,
        observed_value=others or "only Parquet files",
    )


def publication_baseline(settings: Settings) -> tuple[int | None, str | None]:
    """(rows of viewer_days in the current publication, None) read read-only; (None, why) when
    there is no publication or it cannot be read (the collapse check is then not evaluated)."""
    import duckdb

    if not settings.published_path.exists():
        return None, None
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as con:
            return con.execute("select count(*) from viewer_days").fetchone()[0], None
    except duckdb.Error as error:
        log.warning("could not read viewer_days from %s", settings.published_path)
        return (
            None,
            f"could not read viewer_days of {settings.published_path}: {str(error).splitlines()[0][:200]}",
        )


def previous_viewer_days_rows(settings: Settings) -> int | None:
    """Rows of viewer_days in the current publication (read-only), or None if there is none."""
    return publication_baseline(settings)[0]


RECONCILIATION_CHECK = "warehouse.sessions_reconcile_with_viewer_days"


def _reconciliation_sample(warehouse: Path, limit: int = 10) -> list[dict[str, Any]]:
    """Up to ``limit`` mismatching sessions / viewer-days, read-only, only after a failure.

    GX's SUMMARY results carry the count of unexpected rows but not the rows; the record and
    the report should say which session or day does not add up.
    """
    import duckdb

    from bingewatch.quality.queries import WATCH_TIME_RECONCILIATION

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cursor = con.execute(f"{WATCH_TIME_RECONCILIATION} order by level, item limit {limit}")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        log.warning("could not sample the reconciliation mismatches", exc_info=True)
        return []


QUARANTINE_SHARE_CHECK = "run_accounting.quarantine_share_within_max"


def quarantine_share_check(candidate_path: Path, run_dates: list[str]) -> dict[str, Any]:
    """Blocking: no arrival date of the run has more than BINGEWATCH_MAX_QUARANTINE_SHARE of its
    raw rows quarantined (default 20 %). A batch whose every row has a null key would otherwise
    publish viewer-days that say nobody watched that day."""
    import duckdb

    limit = _env_float("BINGEWATCH_MAX_QUARANTINE_SHARE", DEFAULT_MAX_QUARANTINE_SHARE)
    reason = (
        f"more than {limit:.0%} of a batch quarantined means a broken producer: its day would "
        "publish as if nobody watched"
    )
    try:
        with duckdb.connect(str(candidate_path), read_only=True) as con:
            rows = con.execute(
                "select cast(received_date as varchar), raw_rows, quarantined_rows from run_accounting "
                "where cast(received_date as varchar) in (select unnest(?)) and raw_rows > 0 "
                "order by quarantined_rows / raw_rows desc, 1",
                [list(run_dates)],
            ).fetchall()
    except duckdb.Error as error:
        return _precheck(
            QUARANTINE_SHARE_CHECK, CRITICAL, reason, False, exception=str(error).splitlines()[0][:300]
        )
    over = [
        f"{day}: {quarantined:,} of {raw:,} rows ({quarantined / raw:.1%})"
        for day, raw, quarantined in rows
        if quarantined / raw > limit
    ]
    worst = f"{rows[0][0]}: {rows[0][2] / rows[0][1]:.1%} quarantined" if rows else "no raw rows"
    return _precheck(QUARANTINE_SHARE_CHECK, CRITICAL, reason, not over, observed_value=over or worst)


def _batch_dates(settings: Settings, received_date: date) -> list[str]:
    """The arrival dates of the planned batch; [D] when no batch was planned (a candidate
    staged from a warehouse built outside the ledger)."""
    from bingewatch.ledger import batch_files, batch_path

    if not batch_path(settings).exists():
        return [received_date.isoformat()]
    return sorted({row["received_date"].isoformat() for row in batch_files(settings) if row["is_in_batch"]})


def _completeness_check(settings: Settings, received_date: date, extra: dict[str, Any]) -> dict:
    """Blocking: every raw file with arrival date <= D is processed. Completeness is audited,
    never assumed from the schedule: a file that landed after the run planned its batch, or a
    batch that was never built, keeps the publication back until a run processes it."""
    from bingewatch.ledger import high_water_mark

    mark = high_water_mark(settings, received_date)
    extra["high_water_mark"] = mark
    pending = mark["pending_by_date"]
    return _precheck(
        "marts.raw_files_complete",
        CRITICAL,
        "a publication for D must hold every raw file that arrived by D",
        not pending,
        observed_value=(
            f"{mark['files_pending']} raw file(s) not processed, arrival dates "
            + ", ".join(f"{day} ({count})" for day, count in pending.items())
            if pending
            else f"{mark['files_processed']} file(s) processed, up to {mark['high_water_received_date']}"
        ),
    )


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
