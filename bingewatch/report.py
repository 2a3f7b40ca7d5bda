"""The data-quality report: one self-contained HTML page per run, plus an index of runs.

Built from the run's records in ``runs/<D>/`` (raw_batch.json, stage.json, marts.json,
publish.json) and the audited candidate (or the published file), so it works whatever step
failed: it says which one, and "nothing published". No CDN, no JavaScript: inline CSS and SVG.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bingewatch.quality.gates import MARTS_RECORD, RAW_RECORD, as_date, read_json, write_json
from bingewatch.settings import Settings

REPORT_RECORD = "report.json"
TREND_RUNS = 30
_CSS = Path(__file__).resolve().parent / "report_assets" / "report.css"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _outcome(records: dict[str, dict | None]) -> tuple[str, str]:
    """(status, sentence) for the run: published, or the furthest step reached and why not."""
    raw, stage, marts, publish = (records[k] for k in ("raw", "stage", "marts", "publish"))
    kept = " Nothing published; the previous publication stays."
    if publish:
        return "published", f"Published {publish.get('published_at', '')}."
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
                    "select max(notable_share), arg_max(activity_date, notable_share) from "
                    f"({_notable_share_query()})"
                ).fetchone()
    except duckdb.Error as error:
        numbers["error"] = str(error).splitlines()[0]
    return numbers


def _notable_share_query() -> str:
    from bingewatch.quality.suites import suite_specs

    return suite_specs()["notable_share"]["query"]


def _bar_chart(title: str, points: list[tuple[str, float | None]], highlight: str) -> str:
    """A small inline SVG bar chart, one bar per run; the current run is highlighted."""
    width, height, pad = 320, 90, 14
    values = [v for _, v in points if v is not None]
    top = max(values) if values else 0
    bar_w = min((width - 2 * pad) / max(len(points), 1), 24)  # a lone run is a bar, not a block
    bars = []
    for i, (label, value) in enumerate(points):
        if value is None:
            continue
        h = 0 if top == 0 else (height - 2 * pad) * value / top
        color = "#0b63ce" if label == highlight else "#9fb8d8"
        bars.append(
            f'<rect x="{pad + i * bar_w:.1f}" y="{height - pad - h:.1f}" '
            f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{_e(label)}: {_e(value)}</title></rect>"
        )
    axis = f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>'
    latest = next((v for label, v in points if label == highlight), None)

    def number(value: float | None) -> str:
        return f"{value:,}" if isinstance(value, int) else _e(value)

    return (
        f'<figure class="chart"><figcaption>{_e(title)} <b>{number(latest)}</b> '
        f'<span class="muted">(max {number(top)})</span></figcaption>'
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}">{axis}{"".join(bars)}</svg></figure>'
    )


def _steps_table(records: dict[str, dict | None]) -> str:
    """One line per write-audit-publish step: ran or not, outcome, seconds, detail."""
    steps = []
    for key, label in [("raw", "validate_raw_batch"), ("stage", "stage_candidate"),
                       ("marts", "validate_marts"), ("publish", "publish")]:  # fmt: skip
        record = records[key]
        if record is None:
            outcome, detail = "not run", ""
        elif key in ("raw", "marts"):
            outcome = "passed" if record.get("success") else "FAILED"
            failed = record.get("blocking_failures") or []
            detail = ", ".join(failed) if failed else f"{record.get('checked')} checks"
        elif key == "stage":
            outcome = "done"
            detail = ", ".join(f"{t} {n:,}" for t, n in (record.get("row_counts") or {}).items())
        else:
            outcome, detail = "done", f"{record.get('bytes', 0):,} bytes"
        seconds = "" if record is None else _e(record.get("duration_s"))
        css = {"FAILED": "fail", "not run": "muted"}.get(outcome, "")
        steps.append(
            f"<tr><td><code>{label}</code></td><td class='{css}'>{_e(outcome)}</td>"
            f"<td class='num'>{seconds}</td><td>{_e(detail)}</td></tr>"
        )
    return (
        "<h2>Steps</h2><table><thead><tr><th>step</th><th>outcome</th><th>seconds</th>"
        f"<th>detail</th></tr></thead><tbody>{''.join(steps)}</tbody></table>"
    )


def _checks_table(title: str, record: dict | None) -> str:
    if record is None:
        return f"<h3>{_e(title)}</h3><p class='muted'>Not run.</p>"
    rows = []

    def order(check: dict) -> tuple:
        blocks = (check["severity"] == "blocking" or bool(check.get("exception"))) and not check.get(
            "not_evaluated"
        )
        return (check["success"], not blocks, check["name"])

    checks = sorted(record.get("checks", []), key=order)
    for check in checks:
        blocks = check["severity"] == "blocking" or check.get("exception")  # errors fail closed
        state = "pass" if check["success"] else ("fail" if blocks else "warn")
        label = state.upper()
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
            f"<tr class='{state}'><td>{label}</td><td>{_e(check['severity'])}</td>"
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
    erasure requests that name no account (bingewatch/reference_data.py, bingewatch/erasure.py)."""
    reference = read_json(run_dir / "reference.json")
    erasure_log = read_json(settings.warehouse_dir / "erasure_log.json") or {}
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


def _trend_points(settings: Settings, key: str) -> list[tuple[str, float | None]]:
    points = []
    runs = sorted(p for p in settings.runs_dir.iterdir() if p.is_dir()) if settings.runs_dir.is_dir() else []
    for run in runs[-TREND_RUNS:]:
        record = read_json(run / REPORT_RECORD) or {}
        points.append((run.name, record.get(key)))
    return points


def _page(title: str, body: str) -> str:
    css = _CSS.read_text(encoding="utf-8")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{_e(title)}</title>"
        f"<style>{css}</style></head><body>{body}</body></html>"
    )


def write_report(settings: Settings, received_date: date) -> Path:
    """Write reports/<D>.html and reports/index.html; return the run's page. Never raises on
    missing or failed steps: the page says what happened."""
    received_date = as_date(received_date)
    run_dir = settings.run_dir(received_date)
    records = {
        "raw": read_json(run_dir / RAW_RECORD),
        "stage": read_json(run_dir / "stage.json"),
        "marts": read_json(run_dir / MARTS_RECORD),
        "publish": read_json(run_dir / "publish.json"),
    }
    status, sentence = _outcome(records)
    candidate = settings.audit_dir / f"candidate-{received_date.isoformat()}.duckdb"
    source = candidate if candidate.is_file() else (settings.published_path if records["publish"] else None)
    numbers = _query_file(source, received_date)
    accounting = numbers.get("accounting") or {}
    raw_rows = (records["raw"] or {}).get("row_count")
    key_numbers = {
        "received_date": received_date.isoformat(),
        "status": status,
        "summary": sentence,
        "raw_rows": raw_rows,
        "clean_rows": accounting.get("clean"),
        "duplicate_rows": accounting.get("duplicates"),
        "quarantined_rows": accounting.get("quarantined"),
        "viewer_days_rows": numbers.get("viewer_days_rows"),
        "viewer_days_recomputed": (records["marts"] or {}).get("viewer_days_recomputed"),
        "notable_viewers": numbers.get("notable_viewers"),
        "blocking_failures": len((records["raw"] or {}).get("blocking_failures", []))
        + len((records["marts"] or {}).get("blocking_failures", [])),
        "warnings": sum(
            len((records[gate] or {}).get(key, []))
            for gate in ("raw", "marts")
            for key in ("warning_failures", "not_evaluated")
        ),
        "validation_s": round(sum((records[k] or {}).get("duration_s") or 0 for k in ("raw", "marts")), 2),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json(run_dir / REPORT_RECORD, key_numbers)

    day = received_date.isoformat()
    parts = [
        f"<header><a href='index.html'>all runs</a><h1>bingewatch run {_e(day)}</h1>"
        f"<p class='status {status}'>{_e(status.upper())}: {_e(sentence)}</p></header>",
        _steps_table(records),
    ]
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

    parts.append("<h2>Recent runs</h2><div class='charts'>")
    for key, label in [
        ("raw_rows", "raw rows"),
        ("quarantined_rows", "quarantined rows"),
        ("viewer_days_rows", "viewer-day rows"),
        ("viewer_days_recomputed", "viewer-days recomputed"),
        ("notable_viewers", "notable viewers"),
        ("validation_s", "validation seconds"),
        ("blocking_failures", "blocking failures"),
    ]:
        parts.append(_bar_chart(label, _trend_points(settings, key), day))
    parts.append("</div>")

    parts.append("<h2>What was checked</h2>")
    parts.append(_checks_table("Raw batch gate (before dbt)", records["raw"]))
    parameters = (records["marts"] or {}).get("parameters")
    if parameters:
        share = numbers.get("notable_share") or (None, None)
        parts.append(
            "<p>Audit parameters: "
            + ", ".join(f"<code>{_e(k)}</code> = {_e(v)}" for k, v in parameters.items())
            + f". Largest notable share: {_e(None if share[0] is None else round(share[0], 4))} "
            f"(on {_e(share[1])}). "
            + (
                "No previous publication."
                if records["marts"].get("previous_viewer_days_rows") is None
                else f"The previous publication had "
                f"{records['marts']['previous_viewer_days_rows']:,} viewer-day rows."
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
    _write_index(settings)
    return page


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
        "<p><a href='data_docs/index.html'>Great Expectations Data Docs</a></p>"
    )
    index = settings.reports_dir / "index.html"
    _write_text(index, _page("bingewatch runs", body))
    return index
