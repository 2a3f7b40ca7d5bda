"""The data-quality report: one self-contained HTML page per run, plus an index of runs.

Built from the run's records in ``runs/<D>/`` (erasure.json, raw_batch.json, stage.json,
marts.json, publish.json, and ledger.json once the arrivals ledger writes it), dbt's
run_results.json (kept as runs/<D>/dbt_build.json) and the audited candidate (or the published
file), so it works whatever step failed: it says which one, and "nothing published". No CDN, no
JavaScript: inline CSS, and the trend charts as inline SVG (bingewatch.report_charts).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bingewatch.contract import (
    DBT_RECORD,
    ERASURE_LOG,
    ERASURE_RECORD,
    LEDGER_RECORD,
    MARTS_RECORD,
    PUBLISH_RECORD,
    RAW_RECORD,
    REFERENCE_RECORD,
    REPORT_RECORD,
    STAGE_RECORD,
)
from bingewatch.quality.gates import blocks
from bingewatch.quality.queries import NOTABLE_SHARE
from bingewatch.records import as_date, read_json, write_json
from bingewatch.report_html import escape as _e
from bingewatch.report_html import page as _page
from bingewatch.settings import Settings

TREND_RUNS = 60
SLOWEST_MODELS = 5
DATA_DICTIONARY = "data_dictionary.html"  # written by bingewatch.data_dictionary


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _outcome(records: dict[str, dict | None], current: bool = False) -> tuple[str, str]:
    """(status, sentence) for the run: published, unchanged (nothing new and the publication
    already current), or the furthest step reached and why not."""
    raw, stage, marts, publish = (records[k] for k in ("raw", "stage", "marts", "publish"))
    kept = " Nothing published; the previous publication stays."
    if publish:
        return "published", f"Published {publish.get('published_at', '')}."
    if current and stage is None and raw is not None and raw.get("success"):
        return "unchanged", (
            "Nothing new to publish: the published snapshot already holds every processed raw "
            "file and every erasure."
        )
    if marts is not None:
        if not marts.get("success"):
            failed = ", ".join(marts.get("blocking_failures") or [])
            return "failed", f"The mart audit failed: {failed}.{kept}"
        return "failed", f"The audit passed but publish did not complete.{kept}"
    if stage is not None:
        return "failed", f"The candidate was staged but never audited.{kept}"
    if raw is not None and not raw.get("success"):
        failed = ", ".join(raw.get("blocking_failures") or [])
        return "failed", f"The raw batch gate failed: {failed}.{kept}"
    if raw is not None:
        return "failed", f"No candidate was staged (dbt build or stage_candidate failed).{kept}"
    return "failed", (
        f"The raw batch was never validated (partition missing or the run stopped before it).{kept}"
    )


def _query_file(path: Path | None, received_date: date) -> dict[str, Any]:
    """Key numbers from the audited file, read-only; {} if it cannot be read."""
    if path is None or not path.is_file():
        return {}
    import duckdb

    numbers: dict[str, Any] = {"source": str(path)}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("set enable_progress_bar = false")
            tables = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'main'"
                ).fetchall()
            }
            if "run_accounting" in tables:
                row = con.execute(
                    "select raw_rows, clean_rows, duplicate_rows, quarantined_rows "
                    "from run_accounting where received_date = ?",
                    [received_date],
                ).fetchone()
                if row:
                    numbers["accounting"] = dict(
                        zip(["raw", "clean", "duplicates", "quarantined"], row, strict=True)
                    )
            if "quarantine_reasons" in tables:
                numbers["quarantine"] = con.execute(
                    "select reason, sum(rows) from quarantine_reasons where received_date = ? "
                    "group by reason order by 2 desc",
                    [received_date],
                ).fetchall()
            if "viewer_days" in tables:
                numbers["viewer_days_rows"], numbers["viewers"] = con.execute(
                    "select count(*), count(distinct viewer_key) from viewer_days"
                ).fetchone()
            if "notable_viewers" in tables:
                numbers["notable_by_rule"] = con.execute(
                    "select rule, count(*), count(distinct viewer_key) from notable_viewers "
                    "group by rule order by rule"
                ).fetchall()
                numbers["notable_viewers"] = con.execute(
                    "select count(distinct viewer_key) from notable_viewers"
                ).fetchone()[0]
            if "notable_share" not in tables and {"notable_viewers", "viewer_days"} <= tables:
                numbers["notable_share"] = con.execute(
                    f"select max(notable_share), arg_max(activity_date, notable_share) from ({NOTABLE_SHARE})"
                ).fetchone()
    except duckdb.Error as error:
        numbers["error"] = str(error).splitlines()[0]
    return numbers


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dbt_build_record(settings: Settings, received_date: date, raw: dict | None) -> dict | None:
    """dbt's run of this night: elapsed time and its slowest models, from run_results.json.

    dbt overwrites target/run_results.json with every command, so the first report of the night
    keeps what it read as ``runs/<D>/dbt_build.json``. A run_results.json older than tonight's
    raw gate (or a kept record older than it: a rerun) is not tonight's and is ignored.
    """
    from bingewatch.nightly.dbt_build import dbt_target_dir

    run_dir = settings.run_dir(received_date)
    since = _parse_time((raw or {}).get("started_at"))
    kept = read_json(run_dir / DBT_RECORD)
    if kept and (since is None or (_parse_time(kept.get("finished_at")) or since) >= since):
        return kept
    if since is None:  # the raw gate never ran tonight, so neither did dbt_build
        return None
    results = read_json(dbt_target_dir(settings) / "run_results.json")
    if not results:
        return None
    metadata = results.get("metadata") or {}
    finished = _parse_time(metadata.get("generated_at"))
    if finished is None or finished < since:
        return None
    nodes = []
    for result in results.get("results", []):
        nodes.append(
            {
                "node": result.get("unique_id", "?"),
                "status": result.get("status"),
                "execution_s": round(float(result.get("execution_time") or 0), 3),
            }
        )
    models = sorted((n for n in nodes if n["node"].startswith("model.")), key=lambda n: -n["execution_s"])
    statuses: dict[str, int] = {}
    for node in nodes:
        statuses[str(node["status"])] = statuses.get(str(node["status"]), 0) + 1
    elapsed = results.get("elapsed_time")
    started = _parse_time(metadata.get("invocation_started_at"))
    record = {
        "received_date": received_date.isoformat(),
        # invocation_started_at includes dbt's start-up and parsing; elapsed_time does not.
        "started_at": (started or finished).isoformat(),
        "finished_at": finished.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 3) if started else elapsed,
        "elapsed_s": None if elapsed is None else round(float(elapsed), 3),
        "statuses": statuses,
        "slowest_models": models[:SLOWEST_MODELS],
    }
    write_json(run_dir / DBT_RECORD, record)
    return record


# The night's steps in DAG order: (step, record key). write_report itself is the page.
STEPS = [
    ("apply_erasures", "erasure"),
    ("validate_raw_batch", "raw"),
    ("dbt_build", "dbt"),
    ("stage_candidate", "stage"),
    ("validate_marts", "marts"),
    ("publish", "publish"),
]


def step_timings(records: dict[str, dict | None]) -> list[dict[str, Any]]:
    """Start, end, seconds, outcome and detail of each step, from its record.

    Records carry ``started_at`` or an end time and ``duration_s``; the start is the end minus
    the duration where only those are kept (second resolution).
    """
    steps = []
    for label, key in STEPS:
        record = records.get(key)
        if record is None:
            steps.append(
                {
                    "step": label,
                    "outcome": "not run",
                    "detail": "",
                    "start": None,
                    "end": None,
                    "seconds": None,
                }
            )
            continue
        end = _parse_time(record.get("finished_at") or record.get("published_at"))
        seconds = record.get("duration_s")
        start = _parse_time(record.get("started_at"))
        if start is None and end is not None and seconds is not None:
            start = end - timedelta(seconds=float(seconds))
        if end is None and start is not None and seconds is not None:
            end = start + timedelta(seconds=float(seconds))
        if key in ("raw", "marts"):
            outcome = "passed" if record.get("success") else "FAILED"
            failed = record.get("blocking_failures") or []
            detail = ", ".join(failed) if failed else f"{record.get('checked')} checks"
        elif key == "stage":
            outcome = "done"
            detail = ", ".join(f"{t} {n:,}" for t, n in (record.get("row_counts") or {}).items())
        elif key == "erasure":
            outcome = "done"
            detail = (
                f"{record.get('requests_erased_now', 0)} new request(s) of "
                f"{record.get('requests_total', 0)}; partition rows removed: "
                f"{sum((record.get('partition_rows_removed') or {}).values())}"
            )
        elif key == "dbt":
            ok = not any(k in record.get("statuses", {}) for k in ("error", "fail"))
            outcome = "done" if ok else "FAILED"
            detail = ", ".join(f"{n} {k}" for k, n in sorted(record.get("statuses", {}).items()))
        else:
            outcome, detail = "done", f"{record.get('bytes', 0):,} bytes"
        steps.append(
            {
                "step": label,
                "outcome": outcome,
                "detail": detail,
                "start": start,
                "end": end,
                "seconds": seconds,
            }
        )
    return steps


def _steps_table(steps: list[dict[str, Any]], dbt: dict | None) -> str:
    """The night on one line per step: a timeline bar (start and length), outcome, detail."""
    known = [s for s in steps if s["start"] is not None and s["end"] is not None]
    first = min((s["start"] for s in known), default=None)
    last = max((s["end"] for s in known), default=None)
    span = max((last - first).total_seconds(), 1.0) if first and last else 1.0
    rows = []
    for step in steps:
        bar = ""
        if step["start"] is not None and step["end"] is not None and first is not None:
            left = 100 * (step["start"] - first).total_seconds() / span
            width = max(100 * (step["end"] - step["start"]).total_seconds() / span, 0.5)
            bar = (
                f"<div class='timeline'><span style='left:{left:.1f}%;width:{min(width, 100 - left):.1f}%'"
                f" title='{_e(step['step'])}: {_e(step['seconds'])} s'></span></div>"
            )
        css = {"FAILED": "fail", "not run": "muted"}.get(step["outcome"], "")
        started = step["start"].strftime("%H:%M:%S") if step["start"] else ""
        rows.append(
            f"<tr><td><code>{_e(step['step'])}</code></td><td class='{css}'>{_e(step['outcome'])}</td>"
            f"<td>{started}</td><td class='num'>{_e(step['seconds'])}</td><td>{bar}</td>"
            f"<td>{_e(step['detail'])}</td></tr>"
        )
    total = f" From {first:%H:%M:%S} to {last:%H:%M:%S} UTC ({span:.1f} s)." if first and last else ""
    html_ = (
        f"<h2>Steps</h2><p class='muted'>The night's tasks in order, timed from their records.{total}</p>"
        "<table class='steps'><thead><tr><th>step</th><th>outcome</th><th>started (UTC)</th>"
        "<th>seconds</th><th>timeline</th><th>detail</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if dbt and dbt.get("slowest_models"):
        models = "".join(
            f"<tr><td><code>{_e(m['node'].split('.', 2)[-1])}</code></td><td>{_e(m['status'])}</td>"
            f"<td class='num'>{m['execution_s']:.2f}</td></tr>"
            for m in dbt["slowest_models"]
        )
        html_ += (
            f"<h3>dbt_build: the slowest models</h3><p class='muted'>dbt ran {dbt.get('duration_s')} s "
            f"(models and tests {dbt.get('elapsed_s')} s, the rest is start-up and parsing).</p>"
            "<table class='narrow'><thead><tr><th>model</th><th>status</th><th>seconds</th></tr>"
            f"</thead><tbody>{models}</tbody></table>"
        )
    return html_


def _ledger_section(run_dir: Path) -> str:
    """What the run processed and what is still pending, per arrival date: the batch the ledger
    planned (``runs/<D>/ledger.json``) and the high-water mark the audit saw (``marts.json``, else
    ``stage.json``; bingewatch.ledger)."""
    plan = read_json(run_dir / LEDGER_RECORD)
    if plan is None:
        return (
            "<h2>Arrivals</h2><p class='muted'>No arrivals ledger record for this run "
            f"(<code>{LEDGER_RECORD}</code>).</p>"
        )
    mark = (
        (read_json(run_dir / MARTS_RECORD) or {}).get("high_water_mark")
        or (read_json(run_dir / STAGE_RECORD) or {}).get("high_water_mark")
        or {}
    )
    processed = plan.get("pending_by_date") or {}
    pending = mark.get("pending_by_date") or {}
    rows = "".join(
        f"<tr><td>{_e(day)}</td><td class='num'>{_e(processed.get(day, 0))}</td>"
        f"<td class='num'>{_e(pending.get(day, 0))}</td></tr>"
        for day in sorted(set(processed) | set(pending))
    )
    passed_over = "".join(f"<li>{_e(note)}</li>" for note in plan.get("passed_over") or [])
    return (
        "<h2>Arrivals</h2><table class='narrow'>"
        f"<tr><th>new raw files built by this run</th><td class='num'>{_e(plan.get('files', 0))}</td></tr>"
        "<tr><th>high-water mark (arrival date)</th>"
        f"<td>{_e(mark.get('high_water_received_date', '—'))}</td></tr>"
        f"<tr><th>files processed in all</th><td class='num'>{_e(mark.get('files_processed', '—'))}</td></tr>"
        f"<tr><th>files pending</th><td class='num'>{_e(mark.get('files_pending', '—'))}</td></tr>"
        "</table>"
        + (
            "<table class='narrow'><tr><th>arrival date</th><th>files built</th><th>files pending</th>"
            f"</tr>{rows}</table>"
            if rows
            else "<p>No new raw file: nothing was built.</p>"
        )
        + (
            f"<p>Passed over under <code>raw/playback_events/</code>:</p><ul>{passed_over}</ul>"
            if passed_over
            else ""
        )
    )


def night_data_docs(settings: Settings, received_date: date) -> dict[str, str]:
    """Suite -> the night's Data Docs page (relative to reports/), the newest run of the date."""
    root = settings.reports_dir / "data_docs" / "validations"
    pages: dict[str, str] = {}
    if not root.is_dir():
        return pages
    for suite_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        found = sorted(suite_dir.glob(f"{received_date.isoformat()}_*/*/*.html"), key=lambda p: p.parent.name)
        if found:
            pages[suite_dir.name] = found[-1].relative_to(settings.reports_dir).as_posix()
    return pages


def _checks_table(title: str, record: dict | None) -> str:
    if record is None:
        return f"<h3>{_e(title)}</h3><p class='muted'>Not run.</p>"
    rows = []

    def order(check: dict) -> tuple:
        rank = {False: 0, None: 1, True: 2}[check["success"]]
        return (rank, not (blocks(check) and not check.get("not_evaluated")), check["name"])

    checks = sorted(record.get("checks", []), key=order)
    for check in checks:
        if check["success"] is None:  # not run: an anomaly check without enough history
            state = "nohistory"
        else:
            state = "pass" if check["success"] else ("fail" if blocks(check) else "warn")
        label = check.get("status", "not run").upper() if state == "nohistory" else state.upper()
        if check.get("not_evaluated"):  # no baseline: never shown as PASS, never blocking
            state, label = "warn", "NOT EVALUATED"
        detail = check.get("exception") or ""
        if detail:
            detail = "could not run: " + detail.splitlines()[0]
        for key in ("unexpected_count", "observed_value"):
            if check.get(key) not in (None, [], ""):
                detail = f"{key.replace('_', ' ')}: {_short(check[key])} " + detail
                break
        sample = check.get("unexpected_rows") or check.get("partial_unexpected_list")
        if sample and not check["success"]:
            detail += f" — e.g. {_short(sample, 200)}"
        rows.append(
            f"<tr class='{state}'><td>{_e(label)}</td><td>{_e(check['severity'])}</td>"
            f"<td><code>{_e(check['name'])}</code><br><span class='muted'>"
            f"{_e(check['expectation_type'])}</span></td><td>{_e(check.get('reason'))}</td>"
            f"<td>{_e(detail)}</td></tr>"
        )
    summary = (
        f"{record.get('checked', len(checks))} checks, "
        f"{len(record.get('blocking_failures', []))} blocking failure(s), "
        f"{len(record.get('warning_failures', []))} warning(s), "
        f"{len(record.get('not_evaluated', []))} not evaluated, "
        f"{record.get('duration_s')} s"
    )
    return (
        f"<h3>{_e(title)}</h3><p>{_e(summary)}</p><table><thead><tr><th>result</th>"
        "<th>severity</th><th>expectation</th><th>why it exists</th><th>observed</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _reference_section(run_dir: Path, settings: Settings) -> str:
    """Reference rows set aside before dbt, collapsed duplicates, unknown opt-out flags and
    erasure requests that name no account (bingewatch/reference_data.py,
    bingewatch/nightly/apply_erasures.py)."""
    reference = read_json(run_dir / REFERENCE_RECORD)
    erasure_log = read_json(settings.warehouse_dir / ERASURE_LOG) or {}
    if reference is None and not erasure_log.get("rejected_requests"):
        return ""
    rows = []
    for table in ("profiles", "titles", "erasure_requests"):
        facts = (reference or {}).get(table) or {}
        for reason, count in (facts.get("rejected_by_reason") or {}).items():
            examples = ", ".join((reference.get("rejected_examples") or {}).get(reason) or [])
            rows.append((table, f"set aside: {reason}", count, examples))
        if facts.get("exact_duplicates_collapsed"):
            rows.append((table, "exact duplicate rows collapsed", facts["exact_duplicates_collapsed"], ""))
        if facts.get("opt_out_unknown_counted_as_opted_out"):
            count = facts["opt_out_unknown_counted_as_opted_out"]
            rows.append((table, "analytics_opt_out unknown: counted as opted out", count, ""))
    for request in erasure_log.get("rejected_requests") or []:
        rows.append(
            (
                "erasure log",
                f"rejected: {request['reason']}",
                1,
                f"{request['file']} row {request['row_number']}: {request['row']}",
            )
        )
    body = (
        "".join(
            f"<tr class='warn'><td>{_e(t)}</td><td>{_e(what)}</td><td class='num'>{n:,}</td>"
            f"<td>{_e(_short(examples, 200))}</td></tr>"
            for t, what, n, examples in rows
        )
        or "<tr><td colspan='4' class='muted'>every reference row was usable</td></tr>"
    )
    return (
        "<h2>Reference data</h2><table><tr><th>input</th><th>what</th><th>rows</th><th>examples</th></tr>"
        f"{body}</table>"
    )


def _recent_records(settings: Settings) -> list[dict[str, Any]]:
    """The report.json of the last TREND_RUNS runs, oldest first."""
    if not settings.runs_dir.is_dir():
        return []
    runs = sorted(p for p in settings.runs_dir.iterdir() if p.is_dir())
    records = []
    for run in runs[-TREND_RUNS:]:
        record = read_json(run / REPORT_RECORD)
        if record:
            records.append({**record, "received_date": run.name})
    return records


# (chart id, title, figure key in report.json or a series key, kind, value format)
CHARTS = [
    ("raw_rows", "raw rows", "raw_rows", "band", ",.0f"),
    ("quarantine_share", "quarantine share", "quarantine_share", "band", ".2%"),
    ("quarantine_by_reason", "quarantine share by reason", "quarantine_share_by_reason", "series", ".2%"),
    ("duplicate_share", "duplicates share", "duplicate_share", "band", ".2%"),
    ("viewer_days_recomputed", "viewer-days recomputed", "viewer_days_recomputed", "plain", ",.0f"),
    ("notable_share", "notable share (7 local days)", "notable_share", "band", ".2%"),
    ("notable_by_rule", "notable share by rule", "notable_share_by_rule", "series", ".2%"),
    (
        "watch_hours_per_viewer_day",
        "watch hours per active viewer-day",
        "watch_hours_per_viewer_day",
        "band",
        ".3~g",
    ),
    ("validation_seconds", "validation seconds by gate", "validation_by_gate", "series", ".3~g"),
    ("step_seconds", "step seconds", "step_seconds", "series", ".3~g"),
]


def _chart_rows(records: list[dict[str, Any]], key: str, kind: str) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        day = record["received_date"]
        if kind == "series":
            for series, value in sorted((record.get(key) or {}).items()):
                rows.append({"date": day, "series": series, "value": value})
            continue
        value = (record.get("figures") or {}).get(key, record.get(key))
        band = (record.get("bands") or {}).get(key) or {}
        rows.append({"date": day, "value": value, "low": band.get("low"), "high": band.get("high")})
    return rows


def _data_dictionary(settings: Settings, status: str) -> dict[str, Any] | None:
    """Refresh reports/data_dictionary.html after a publication (only when the dbt project or
    the published schema changed: bingewatch.data_dictionary). ``BINGEWATCH_DATA_DICTIONARY=0``
    skips it (most tests)."""
    if status != "published" or os.environ.get("BINGEWATCH_DATA_DICTIONARY", "1") == "0":
        return None
    from bingewatch.data_dictionary import build_data_dictionary

    try:
        result = build_data_dictionary(settings)
    except Exception as error:  # documentation must never fail the report
        return {"status": "failed", "error": str(error)[:300]}
    return {k: result.get(k) for k in ("status", "duration_s", "dbt_s", "error") if k in result}


def _anomaly_table(marts: dict | None) -> str:
    bands = (marts or {}).get("anomaly_bands")
    if not bands:
        return ""
    from bingewatch.quality.anomalies import FIGURES, check_name

    checks = {c["name"]: c for c in marts.get("checks", [])}
    options = marts.get("anomaly_options") or {}
    rows = []
    for figure in FIGURES:
        check = checks.get(check_name(figure.name)) or {}
        state = {True: "pass", False: "warn", None: "nohistory"}[check.get("success")]
        label = check.get("status", "not run").upper() if state == "nohistory" else state.upper()
        rows.append(
            f"<tr class='{state}'><td>{_e(label)}</td><td><code>{_e(check_name(figure.name))}</code></td>"
            f"<td>{_e(bands[figure.name]['description'])}</td></tr>"
        )
    return (
        "<h2>Anomalies against recent runs</h2><p class='muted'>Each figure against median ± "
        f"max(k·1.4826·MAD, {options.get('min_spread')}·|median|) of the last "
        f"{options.get('runs')} good runs (k = {options.get('k')}; at least {options.get('min_runs')} "
        "runs, else not enough history). Warnings: they never block.</p><table><thead><tr>"
        "<th>result</th><th>expectation</th><th>tonight</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def write_report(settings: Settings, received_date: date) -> Path:
    """Write reports/<D>.html and reports/index.html; return the run's page. Never raises on
    missing or failed steps: the page says what happened."""
    received_date = as_date(received_date)
    run_dir = settings.run_dir(received_date)
    records = {
        "erasure": read_json(run_dir / ERASURE_RECORD),
        "raw": read_json(run_dir / RAW_RECORD),
        "stage": read_json(run_dir / STAGE_RECORD),
        "marts": read_json(run_dir / MARTS_RECORD),
        "publish": read_json(run_dir / PUBLISH_RECORD),
    }
    records["dbt"] = dbt_build_record(settings, received_date, records["raw"])
    from bingewatch.nightly.publish import publication_is_current

    status, sentence = _outcome(records, publication_is_current(settings))
    candidate = settings.audit_dir / f"candidate-{received_date.isoformat()}.duckdb"
    source = candidate if candidate.is_file() else (settings.published_path if records["publish"] else None)
    numbers = _query_file(source, received_date)
    accounting = numbers.get("accounting") or {}
    raw_rows = (records["raw"] or {}).get("row_count")
    marts = records["marts"] or {}
    steps = step_timings(records)
    by_rule = marts.get("figures_by_rule") or {}
    key_numbers = {
        "received_date": received_date.isoformat(),
        "status": status,
        "summary": sentence,
        "raw_rows": raw_rows,
        "clean_rows": accounting.get("clean"),
        "duplicate_rows": accounting.get("duplicates"),
        "quarantined_rows": accounting.get("quarantined"),
        "viewer_days_rows": numbers.get("viewer_days_rows"),
        "viewer_days_recomputed": marts.get("viewer_days_recomputed"),
        "notable_viewers": numbers.get("notable_viewers"),
        "blocking_failures": len((records["raw"] or {}).get("blocking_failures", []))
        + len(marts.get("blocking_failures", [])),
        "warnings": sum(
            len((records[gate] or {}).get(key, []))
            for gate in ("raw", "marts")
            for key in ("warning_failures", "not_evaluated")
        ),
        "validation_s": round(sum((records[k] or {}).get("duration_s") or 0 for k in ("raw", "marts")), 2),
        "validation_by_gate": {
            gate: records[key]["duration_s"]
            for gate, key in (("raw batch", "raw"), ("marts", "marts"))
            if records[key] and records[key].get("duration_s") is not None
        },
        "step_seconds": {s["step"]: s["seconds"] for s in steps if s["seconds"] is not None},
        "figures": marts.get("figures") or {},
        "bands": {
            name: {"low": band.get("low"), "high": band.get("high")}
            for name, band in (marts.get("anomaly_bands") or {}).items()
        },
        "quarantine_share_by_reason": by_rule.get("quarantine_share_by_reason") or {},
        "notable_share_by_rule": by_rule.get("notable_share_by_rule") or {},
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    dictionary = _data_dictionary(settings, status)
    key_numbers["data_dictionary"] = dictionary
    write_json(run_dir / REPORT_RECORD, key_numbers)

    day = received_date.isoformat()
    links = ["<a href='index.html'>all runs</a>"]
    night_docs = night_data_docs(settings, received_date)
    if (settings.reports_dir / DATA_DICTIONARY).is_file():
        links.append(f"<a href='{DATA_DICTIONARY}'>data dictionary (published tables)</a>")
    if (settings.reports_dir / "data_docs" / "index.html").is_file():
        links.append("<a href='data_docs/index.html'>Data Docs (all validations)</a>")
    parts = [
        f"<header><nav>{' · '.join(links)}</nav><h1>bingewatch run {_e(day)}</h1>"
        f"<p class='status {status}'>{_e(status.upper())}: {_e(sentence)}</p></header>",
    ]
    if night_docs:
        parts.append(
            "<p>This night's Data Docs: "
            + ", ".join(f"<a href='{_e(href)}'>{_e(suite)}</a>" for suite, href in night_docs.items())
            + "</p>"
        )
    parts.append(_steps_table(steps, records["dbt"]))
    if dictionary:
        parts.append(
            f"<p class='muted'>Data dictionary: {_e(dictionary.get('status'))}"
            + (f" (dbt docs generate {dictionary['dbt_s']} s)" if dictionary["status"] == "written" else "")
            + ".</p>"
        )
    parts.append(_ledger_section(run_dir))
    if accounting:
        parts.append(
            "<h2>Accounting (raw = clean + duplicates + quarantined)</h2><table class='narrow'>"
            + "".join(f"<tr><th>{_e(k)}</th><td class='num'>{v:,}</td></tr>" for k, v in accounting.items())
            + "</table>"
        )
    else:
        parts.append(
            "<h2>Accounting</h2><p class='muted'>No accounting for this date (no candidate was built).</p>"
        )
    if numbers.get("quarantine") is not None:
        rows = (
            "".join(f"<tr><td>{_e(r)}</td><td class='num'>{n:,}</td></tr>" for r, n in numbers["quarantine"])
            or "<tr><td colspan='2' class='muted'>nothing quarantined</td></tr>"
        )
        parts.append(
            "<h2>Quarantine by reason</h2><table class='narrow'><tr><th>reason</th>"
            f"<th>rows</th></tr>{rows}</table>"
        )
    parts.append(_reference_section(run_dir, settings))
    if numbers.get("notable_by_rule") is not None:
        rows = (
            "".join(
                f"<tr><td>{_e(r)}</td><td class='num'>{n:,}</td><td class='num'>{v:,}</td></tr>"
                for r, n, v in numbers["notable_by_rule"]
            )
            or "<tr><td colspan='3' class='muted'>none</td></tr>"
        )
        parts.append(
            "<h2>Notable viewers by rule</h2><table class='narrow'><tr><th>rule</th>"
            f"<th>rows</th><th>viewers</th></tr>{rows}</table><p>{numbers.get('viewers', 0):,} "
            f"viewers, {numbers.get('viewer_days_rows', 0):,} viewer-days in the "
            f"{'published' if status == 'published' else 'candidate (not published)'} file.</p>"
        )
    if numbers.get("error"):
        parts.append(f"<p class='fail'>Could not read {_e(source)}: {_e(numbers['error'])}</p>")

    parts.append(_anomaly_table(records["marts"]))
    from bingewatch.report_charts import trend_chart

    recent = _recent_records(settings)
    parts.append(
        f"<h2>Recent runs</h2><p class='muted'>The last {TREND_RUNS} runs by arrival date; hover a "
        "point for its value. Shaded: the anomaly band each night was checked against; red: "
        "outside it; large dark point: this run.</p><div class='charts'>"
    )
    for chart_id, title, key, kind, value_format in CHARTS:
        parts.append(trend_chart(chart_id, title, _chart_rows(recent, key, kind), day, value_format))
    parts.append("</div>")

    parts.append("<h2 id='checks'>What was checked</h2>")
    parts.append(_checks_table("Raw batch gate (before dbt)", records["raw"]))
    parameters = marts.get("parameters")
    if parameters:
        share = numbers.get("notable_share") or (None, None)
        parts.append(
            "<p>Audit parameters: "
            + ", ".join(f"<code>{_e(k)}</code> = {_e(v)}" for k, v in parameters.items())
            + f". Largest notable share: {_e(None if share[0] is None else round(share[0], 4))} "
            f"(on {_e(share[1])}). "
            + (
                "No previous publication."
                if marts.get("previous_viewer_days_rows") is None
                else f"The previous publication had {marts['previous_viewer_days_rows']:,} viewer-day rows."
            )
            + "</p>"
        )
    parts.append(_checks_table("Mart gate (candidate, before publication)", records["marts"]))
    docs = settings.reports_dir / "data_docs" / "index.html"
    if docs.is_file():
        parts.append(
            "<p>Full validation results: <a href='data_docs/index.html'>Great Expectations Data Docs</a>.</p>"
        )
    parts.append(f"<footer class='muted'>Records: {_e(run_dir)}</footer>")

    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    page = settings.reports_dir / f"{day}.html"
    _write_text(page, _page(f"bingewatch {day}", "".join(parts)))
    _write_personal_pages(settings)
    _write_index(settings)
    return page


def _write_personal_pages(settings: Settings) -> None:
    """The imported profiles' own pages (bingewatch.personal); a failure is logged, never raised:
    the run report must still be written."""
    try:
        from bingewatch.personal import write_personal_pages

        write_personal_pages(settings)
    except Exception as error:  # noqa: BLE001
        import logging

        logging.getLogger(__name__).warning("personal pages not written: %s", error)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _write_index(settings: Settings) -> Path:
    rows = []
    runs = (
        sorted((p for p in settings.runs_dir.iterdir() if p.is_dir()), reverse=True)
        if settings.runs_dir.is_dir()
        else []
    )
    for run in runs:
        record = read_json(run / REPORT_RECORD)
        if not record:
            continue
        rows.append(
            f"<tr class='{_e(record['status'])}'><td><a href='{_e(run.name)}.html'>"
            f"{_e(run.name)}</a></td><td>{_e(record['status'])}</td>"
            f"<td class='num'>{_e(record.get('raw_rows'))}</td>"
            f"<td class='num'>{_e(record.get('quarantined_rows'))}</td>"
            f"<td class='num'>{_e(record.get('notable_viewers'))}</td>"
            f"<td class='num'>{_e(record.get('blocking_failures'))}</td>"
            f"<td>{_e(record.get('summary'))}</td></tr>"
        )
    body = (
        "<h1>bingewatch runs</h1><table><thead><tr><th>arrival date</th><th>status</th>"
        "<th>raw rows</th><th>quarantined</th><th>notable viewers</th><th>blocking failures</th>"
        f"<th>summary</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p><a href='data_docs/index.html'>Great Expectations Data Docs</a>"
        + (
            f" · <a href='{DATA_DICTIONARY}'>Data dictionary</a> (the published tables and every column)"
            if (settings.reports_dir / DATA_DICTIONARY).is_file()
            else ""
        )
        + "</p>"
    )
    personal = settings.reports_dir / "personal" / "index.html"
    if personal.is_file():
        body += "<p><a href='personal/index.html'>Imported profiles' own pages</a> (local only)</p>"
    index = settings.reports_dir / "index.html"
    _write_text(index, _page("bingewatch runs", body))
    return index
