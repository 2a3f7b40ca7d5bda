"""The ``validate_marts`` task: the mart quality gate, on the candidate before publication.

The checks themselves (completeness, the quarantine share, reconciliation, the GX run, the
record and the blocking decision) live in ``bingewatch.quality.gates``; this module runs them
on the staged candidate (``bingewatch.nightly.stage_candidate``).
"""

from __future__ import annotations

import math
import time
from datetime import date
from pathlib import Path
from typing import Any

from bingewatch.contract import MARTS_RECORD
from bingewatch.quality.gates import (
    CRITICAL,
    DEFAULT_MAX_NOTABLE_SHARE,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_MIN_ROW_RATIO,
    RECONCILIATION_CHECK,
    _anomaly_checks,
    _batch_dates,
    _completeness_check,
    _env_float,
    _finish,
    _precheck,
    _reconciliation_sample,
    _run_gx,
    _volume_bounds,
    publication_baseline,
    quarantine_share_check,
)
from bingewatch.records import as_date, file_fingerprint
from bingewatch.settings import Settings


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
            CRITICAL,
            "stage_candidate must have built it",
            exists,
            observed_value=str(candidate_path),
        )
    ]
    if not exists:
        return _finish("marts", settings, received_date, checks, started, extra)
    checks.append(_completeness_check(settings, received_date, extra))

    previous_rows, extra["previous_viewer_days_error"] = publication_baseline(settings)
    min_ratio = _env_float("BINGEWATCH_MIN_ROW_RATIO", DEFAULT_MIN_ROW_RATIO)
    recomputed_min, recomputed_max, recomputed_median = _volume_bounds(
        settings, received_date, MARTS_RECORD, "viewer_days_recomputed"
    )
    parameters = {
        "max_notable_share": _env_float("BINGEWATCH_MAX_NOTABLE_SHARE", DEFAULT_MAX_NOTABLE_SHARE),
        "min_group_size": int(_env_float("BINGEWATCH_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE)),
        "viewer_days_min_rows": math.ceil((previous_rows or 0) * min_ratio),
        # The arrival dates the run's batch held (a catch-up holds several, a quiet night none).
        "run_dates": _batch_dates(settings, received_date),
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
    # runs after dbt has finished writing it (one writer at a time). On the spark
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
        received_date=received_date,
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
    checks.append(quarantine_share_check(candidate_path, parameters["run_dates"]))
    # Anomalies against recent runs (warnings; bingewatch.quality.anomalies).
    checks.extend(_anomaly_checks(settings, candidate_path, received_date, extra))
    extra["candidate_fingerprint"] = file_fingerprint(candidate_path)
    return _finish("marts", settings, received_date, checks, started, extra)
