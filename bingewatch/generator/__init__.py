"""Synthetic raw playback data with planted ground truth (`bingewatch generate`).

    from bingewatch.generator import generate
    manifest = generate(Path("data"), scale="tiny")

Writes the raw layout of docs/architecture.md under `data_dir`, plus raw/_generator/manifest.json
(exact accounting of every injected defect and duplicate per arrival date, the planted viewers)
and raw/_generator/ground_truth.csv (every notable-viewer row the pipeline must produce).
Same seed and arguments give identical tables. See docs/generator.md.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ..settings import Settings
from . import catalog, mess, planted, population, presets, sessions, truth, writer
from .presets import PRESETS, RATE_DOCS, SCALE_NAMES

__all__ = ["generate", "PRESETS", "RATE_DOCS", "SCALE_NAMES"]

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
_PLANTED_ERASURE_HOUR = 6
_ON_DISK_PROFILES = 50_000
_MEMORY_LIMIT = "4GB"


def generate(
    data_dir: Path,
    scale: str = "tiny",
    days: int | None = None,
    start_date: date = date(2026, 3, 2),
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
    **rate_overrides: float,
) -> dict:
    """Generate raw data for `days` arrival dates from `start_date` and return the manifest.

    `scale` is one of tiny, sample, small, medium, large; `days` defaults to the preset's;
    `rate_overrides` set any rate in `RATE_DOCS` (a share from 0 to 1), e.g. duplicate_rate=0.05.
    `progress(msg)` is called once per arrival date written (phases go to the module's logger).
    Raises ValueError for an unknown scale or rate, or a bad days/seed/start_date.
    Earlier generated raw folders under `data_dir` are replaced.
    """
    preset, days = presets.resolve(scale, days, start_date, seed, rate_overrides)
    rates = preset.rates
    settings = Settings(Path(data_dir).expanduser().resolve())
    window_end = start_date + timedelta(days=days)
    last_date = window_end - timedelta(days=1)

    viewers, not_planted = planted.plan(start_date, days)
    _check_planted_window(viewers, start_date, window_end)
    ptitles = planted.planted_titles(start_date)

    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".generator-tmp-", dir=settings.raw_dir))
    # Big presets work in a temporary database file: compressed storage that DuckDB can evict
    # under its memory limit, instead of holding every event row in RAM.
    con = duckdb.connect(
        str(tmp / "generator.duckdb") if preset.profiles >= _ON_DISK_PROFILES else ":memory:"
    )
    try:
        con.execute(f"set memory_limit = '{_MEMORY_LIMIT}'")
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set temp_directory = '{tmp.as_posix()}'")
        log.info(f"building catalogue and {preset.profiles} background profiles ({scale})")
        catalog.build_catalog(con, seed, preset.series, preset.films, start_date, ptitles)
        n_accounts = population.build_population(
            con, seed, preset.profiles, preset.activity, rates["opt_out_rate"], start_date
        )
        accounts = [
            r[0]
            for r in con.execute("select distinct account_id from profiles_bg order by account_id").fetchall()
        ]
        prows = planted.profile_rows(viewers, start_date, accounts, f"ac-{n_accounts:07d}")
        population.build_profiles(con, prows)
        erased = [p["account_id"] for p, v in zip(prows, viewers, strict=True) if v.erased]
        population.build_erasure_requests(
            con,
            seed,
            rates["erasure_rate"],
            start_date,
            days,
            protected_accounts=[p["account_id"] for p in prows],
            planted_requests=[
                {
                    "account_id": a,
                    "requested_at": planted.datetime.combine(start_date, planted.time(_PLANTED_ERASURE_HOUR)),
                }
                for a in erased
            ],
        )

        log.info("planning sessions")
        sessions.create_plan_table(con)
        sessions.plan_background(con, seed, start_date, days, preset.second_sitting, preset.chain_skew)
        _insert_planted(con, viewers, prows)
        mess.apply_session_mess(con, seed, rates, last_date)
        log.info("expanding sessions into events")
        mess.create_events(con, seed, rates, sessions.events_sql(seed, start_date, window_end))
        mess.add_duplicates(con, seed, rates["duplicate_rate"], window_end)

        titles_by_id = {t["title_id"]: t for t in ptitles}
        all_sessions = [s for v in viewers for s in v.sessions]
        judged = [p for p, v in zip(prows, viewers, strict=True) if not (v.opt_out or v.erased)]
        truth_rows, viewer_days = truth.evaluate(judged, all_sessions, titles_by_id, last_date)
        _, other_days = truth.evaluate(
            judged, all_sessions, titles_by_id, last_date, count_reset_session=False
        )
        for a, b in zip(viewer_days, other_days, strict=True):
            if a["attended_s"] != b["attended_s"]:
                # the definitions leave this split open for a chain after a reset: give no number
                a["attended_s"] = a["unattended_s"] = None
        _check_truth(viewers, prows, all_sessions, titles_by_id, last_date, truth_rows)

        writer.clear_raw(settings)
        writer.write_reference(con, settings)
        writer.write_events(con, settings, start_date, days, progress)
        manifest = _manifest(
            con,
            preset,
            scale,
            seed,
            start_date,
            days,
            rates,
            viewers,
            prows,
            not_planted,
            truth_rows,
            viewer_days,
        )
        writer.write_truth(settings, truth_rows, manifest)
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    log.info(f"done: {manifest['totals']['raw_rows']} event rows, {len(truth_rows)} ground-truth rows")
    return manifest


def _check_planted_window(viewers, start_date: date, window_end: date) -> None:
    """Every planted event must arrive inside the window, or the truth would not match the data."""
    lo = planted.datetime.combine(start_date, planted.time(0))
    hi = planted.datetime.combine(window_end, planted.time(0))
    for v in viewers:
        for s in v.sessions:
            end = truth.session_end(s) + timedelta(days=s["late_days"], minutes=10)
            if s["start_ts"] < lo or end >= hi:
                raise RuntimeError(f"planted session {s['session_id']} falls outside the window")


def _insert_planted(con: duckdb.DuckDBPyConnection, viewers, prows) -> None:
    acc = {p["profile_id"]: p for p in prows}
    rows = []
    for v in viewers:
        p = acc[v.profile_id]
        code = sum(map(ord, v.profile_id))
        ip = f"100.{64 + code % 64}.{code % 256}.{7 + len(v.sessions) % 200}"
        for s in v.sessions:
            rows.append(
                [
                    s["session_id"],
                    p["account_id"],
                    v.profile_id,
                    s["title_id"],
                    s["runtime_s"],
                    s["device_type"],
                    p["country"],
                    ip,
                    "tv-7.3.0",
                    s["autoplay"],
                    s["start_ts"],
                    s["play_s"],
                    s["start_offset_ms"],
                    s["pause_at_s"],
                    s["pause_len_s"],
                    s["seek_at_s"],
                    s["seek_back_ms"],
                    True,
                    True,
                    0,
                    s["late_days"],
                    True,
                ]
            )
    # SQL literals, not Python objects: converting datetimes through pyarrow would import pandas
    # (seconds of start-up) for a few hundred rows.
    if rows:
        con.execute(
            "insert into session_plan values "
            + ", ".join("(" + ", ".join(_literal(x) for x in r) + ")" for r in rows)
        )


def _literal(x) -> str:
    if x is None:
        return "NULL"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, planted.datetime):
        return f"TIMESTAMP '{x.isoformat(sep=' ')}'"
    return "'" + str(x).replace("'", "''") + "'"


def _check_truth(viewers, prows, all_sessions, titles_by_id, last_date, truth_rows) -> None:
    """Self-checks: every planted case ends as intended, whatever reading of the chain rule."""
    other, _ = truth.evaluate(prows, all_sessions, titles_by_id, last_date, count_reset_session=False)
    full, _ = truth.evaluate(prows, all_sessions, titles_by_id, last_date)
    if sorted(map(repr, other)) != sorted(map(repr, full)):
        raise RuntimeError("planted truth depends on how the unattended chain counts its reset session")
    flagged = {(r.profile_id, r.rule) for r in full}
    for v in viewers:
        hit = (v.profile_id, v.rule) in flagged
        extra = {rule for pid, rule in flagged if pid == v.profile_id and rule != v.rule}
        should = v.expected in ("notable", "excluded")
        if hit != should or extra:
            raise RuntimeError(
                f"planted case {v.profile_id} ({v.role}) does not behave as planned: "
                f"flagged={hit}, other rules={sorted(extra)}"
            )


def _manifest(
    con, preset, scale, seed, start_date, days, rates, viewers, prows, not_planted, truth_rows, viewer_days
) -> dict:
    acct = writer.accounting(con, start_date, days)
    planted_counts = dict(
        con.execute("""
        select profile_id, count(*) from events where _is_planted and not _is_duplicate group by all
    """).fetchall()
    )
    late_dates: dict[str, list[str]] = {}
    for pid, d in con.execute("""
        select distinct profile_id, received_at::DATE::VARCHAR from events
        where _is_planted and _late_days > 0 and not _is_duplicate order by 1, 2
    """).fetchall():
        late_dates.setdefault(pid, []).append(d)
    session_mess = con.execute("""
        select count(*) filter (where not has_stopped), count(*) filter (where not has_start),
               count(*) filter (where orphan_heartbeats > 0), count(*) filter (where late_days > 0),
               count(*)
        from session_plan where not is_planted
    """).fetchone()
    counts = {
        name: con.execute(f"select count(*) from {name}").fetchone()[0]
        for name in ("profiles", "titles", "erasure_requests")
    }
    counts["accounts"] = con.execute("select count(distinct account_id) from profiles").fetchone()[0]
    counts["planted_profiles"] = len(viewers)
    by_pid = {p["profile_id"]: p for p in prows}
    excluded = {v.profile_id for v in viewers if v.opt_out or v.erased}
    by_rule: dict[str, int] = {}
    for r in truth_rows:
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    return {
        "manifest_version": MANIFEST_VERSION,
        "scale": scale,
        "seed": seed,
        "start_date": start_date.isoformat(),
        "days": days,
        "end_date": (start_date + timedelta(days=days - 1)).isoformat(),
        "evaluation_end_date": (start_date + timedelta(days=days - 1)).isoformat(),
        "rates": rates,
        "thresholds": {
            "episodes_7d_threshold": truth.EPISODES_7D_THRESHOLD,
            "watch_hours_7d_threshold": truth.WATCH_HOURS_7D_THRESHOLD,
            "title_streak_days": truth.TITLE_STREAK_DAYS,
            "streak_min_daily_s": truth.STREAK_MIN_DAILY_S,
            "marathon_hours": truth.MARATHON_HOURS,
            "marathon_max_gap_s": truth.MARATHON_MAX_GAP_S,
            "completion_share": truth.COMPLETION_SHARE,
        },
        "counts": counts,
        **acct,
        "sessions": {
            "background_planned": session_mess[4],
            "missing_stopped": session_mess[0],
            "missing_start": session_mess[1],
            "with_orphan_heartbeats": session_mess[2],
            "late": session_mess[3],
        },
        "late_arrivals": writer.late_summary(con),
        "planted": [
            {
                "profile_id": v.profile_id,
                "account_id": by_pid[v.profile_id]["account_id"],
                "role": v.role,
                "rule": v.rule,
                "expected": v.expected,
                "description": v.description,
                "time_zone": v.time_zone,
                "analytics_opt_out": v.opt_out,
                "erased": v.erased,
                "sessions": len(v.sessions),
                "events": planted_counts.get(v.profile_id, 0),
                "late_arrival_dates": late_dates.get(v.profile_id, []),
            }
            for v in viewers
        ],
        "not_planted": not_planted,
        "known_viewer_days": [d for d in viewer_days if d["profile_id"] not in excluded],
        "ground_truth": {"file": "ground_truth.csv", "rows": len(truth_rows), "rows_by_rule": by_rule},
        "ground_truth_valid": True,  # false once damage.py removed rows the truth relies on
    }
