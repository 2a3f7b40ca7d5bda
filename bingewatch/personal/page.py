"""Writes ``reports/personal/<profile>.html``: one self-contained page per imported profile.

Sources, in order of authority:
- the **published snapshot** (``viewer_days``, ``notable_viewers``), the validated numbers,
  looked up by the profile's ``viewer_key`` (computed here from the local import record's
  ``profile_id`` with the run's pseudonym key; the snapshot never holds a name or profile id);
- the **warehouse** (the writer's own tables, keyed by ``profile_id``) for what the published
  interface does not carry: watch time per title (top series and films) and each rule's peak
  when it did not fire (longest title streak, longest attended block, best 7-day windows),
  computed with the rule's own definition and threshold (docs/definitions.md);
- the **import record** for the name, time zone and the formats the export had, which decide
  what the page can say (autoplay, pauses) and what it cannot.

A page never fails the run: a missing table or a profile without published rows is said on
the page. Charts are Altair specs rendered to inline SVG by vl-convert (no JavaScript, no
network): bars over years of days, drawn once per export, not each night like the run
report's trend charts (bingewatch.report_charts); the numbers the tests check are also
embedded as JSON.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bingewatch.contract import NOTABLE_RULES
from bingewatch.report_html import escape as _e
from bingewatch.report_html import page as _page
from bingewatch.settings import DBT_PROJECT_DIR, Settings

PERSONAL_DIR = "personal"
TOP_TITLES = 10


def rule_vars() -> dict[str, float]:
    """The rules' thresholds: dbt_project.yml's vars (a run may override them; the notable rows
    carry the threshold they were met with, and the page prefers those)."""
    import yaml

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", name).strip("-.") or "profile"  # letters of any script stay
    return slug[:60]


def personal_pages(settings: Settings) -> list[Path]:
    """The personal pages written so far."""
    folder = settings.reports_dir / PERSONAL_DIR
    return sorted(p for p in folder.glob("*.html") if p.name != "index.html") if folder.is_dir() else []


def _hours(seconds: float | None) -> str:
    return "0 h" if not seconds else f"{seconds / 3600:,.1f} h"


def _duration(seconds: float | None) -> str:
    seconds = int(round(seconds or 0))
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _published(con, viewer_key: str) -> dict[str, Any]:
    days = con.execute(
        """
        select activity_date, watch_time_s, attended_s, unattended_s, night_watch_s,
               longest_continuous_s, sessions, episodes_completed, titles_started, time_zone
        from viewer_days where viewer_key = ? order by activity_date
        """,
        [viewer_key],
    ).fetchall()
    notable = con.execute(
        """
        select rule, activity_date, window_start_date, metric_value, threshold, evidence
        from notable_viewers where viewer_key = ? order by rule, activity_date
        """,
        [viewer_key],
    ).fetchall()
    columns = [
        "activity_date",
        "watch_time_s",
        "attended_s",
        "unattended_s",
        "night_watch_s",
        "longest_continuous_s",
        "sessions",
        "episodes_completed",
        "titles_started",
        "time_zone",
    ]
    return {
        "days": [dict(zip(columns, row, strict=True)) for row in days],
        "notable": [
            dict(
                rule=r[0],
                activity_date=r[1],
                window_start_date=r[2],
                metric_value=r[3],
                threshold=r[4],
                evidence=r[5],
            )
            for r in notable
        ],
    }


def _warehouse(con, profile_id: str, max_gap_s: float) -> dict[str, Any]:
    """Per-title watch time and the rules' peaks, from the writer's tables."""
    out: dict[str, Any] = {}
    out["top"] = con.execute(
        """
        select show_title, bool_or(is_episode) as is_series, sum(watch_ms) / 1000.0 as watch_s,
               count(distinct activity_date) as days
        from int_viewing_segments_split
        where profile_id = ? and is_feature
        group by show_id, show_title
        order by watch_s desc, show_title
        """,
        [profile_id],
    ).fetchall()
    streak = con.execute(
        """
        select streak_title, streak_days, streak_started_date, activity_date
        from int_viewer_title_streaks where profile_id = ?
        order by streak_days desc, activity_date limit 1
        """,
        [profile_id],
    ).fetchone()
    out["title_streak"] = (
        dict(
            metric=float(streak[1]), evidence=streak[0], window_start_date=streak[2], activity_date=streak[3]
        )
        if streak
        else None
    )
    block = con.execute(
        f"""
        with attended as (
            select segment_started_at as a, segment_ended_at as b
            from int_viewing_segments_split where profile_id = ? and is_attended
        ),
        marked as (
            select *, case when a <= max(b) over (order by a, b rows between unbounded preceding
                                                   and 1 preceding) + interval {int(max_gap_s)} second
                           then 0 else 1 end as is_new_block
            from attended
        ),
        numbered as (select *, sum(is_new_block) over (order by a, b) as block from marked)
        select min(a), max(b), epoch(max(b)) - epoch(min(a)) as span_s
        from numbered group by block order by span_s desc, min(a) limit 1
        """,
        [profile_id],
    ).fetchone()
    out["marathon_block"] = block
    episodes = con.execute(
        """
        with episodes as (
            select distinct title_id from int_viewing_segments_split where profile_id = ? and is_episode
        ),
        done as (
            select distinct sessions.title_id, sessions.local_end_date as end_date
            from int_playback_sessions_classified as sessions
            inner join episodes on sessions.title_id = episodes.title_id
            where sessions.profile_id = ? and sessions.is_completed and not sessions.is_unattended
        ),
        days as (
            select distinct activity_date from int_viewer_days_aggregated
            where profile_id = ? and attended_ms > 0
        )
        select days.activity_date, count(distinct done.title_id) as episodes
        from days inner join done
            on done.end_date between days.activity_date - interval 6 day and days.activity_date
        group by days.activity_date order by episodes desc, days.activity_date limit 1
        """,
        [profile_id, profile_id, profile_id],
    ).fetchone()
    out["episodes_7d"] = (
        dict(
            metric=float(episodes[1]), activity_date=episodes[0], window_start_date=episodes[0] - timedelta(6)
        )
        if episodes
        else None
    )
    return out


def _best_week_hours(days: list[dict]) -> dict | None:
    attended = {d["activity_date"]: d["attended_s"] or 0 for d in days}
    best = None
    for day in sorted(d for d, s in attended.items() if s > 0):
        total = sum(attended.get(day - timedelta(k), 0) for k in range(7))
        if best is None or total > best["metric"] * 3600 + 1e-6:
            best = dict(
                metric=round(total / 3600, 2), activity_date=day, window_start_date=day - timedelta(6)
            )
    return best


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


_POINT_LABEL = re.compile(r'<path(?P<attrs>[^>]*?aria-label="(?P<label>[^"]*)"[^>]*?)(?P<close>/>|></path>)')
_ID = re.compile(r'\bid="([^"]+)"')


def _svg_with_tooltips(svg: str, prefix: str) -> str:
    """Each mark Vega labelled gets a <title> (native hover text); ids get a per-chart prefix
    so several inline SVGs on one page never share a clip path."""

    def titled(match: re.Match) -> str:
        return f"<path{match['attrs']}><title>{match['label']}</title></path>"

    svg = _POINT_LABEL.sub(titled, svg)
    for identifier in set(_ID.findall(svg)):
        svg = svg.replace(f'id="{identifier}"', f'id="{prefix}-{identifier}"')
        svg = svg.replace(f"url(#{identifier})", f"url(#{prefix}-{identifier})")
    return svg


def _charts(days: list[dict]) -> str:
    import altair as alt
    import vl_convert

    if not days:
        return "<p class='muted'>No viewing published for this profile yet.</p>"
    daily = [
        {"date": d["activity_date"].isoformat(), "hours": round((d["watch_time_s"] or 0) / 3600, 3)}
        for d in days
    ]
    weekly: dict[date, float] = {}
    for d in days:
        week = _week_start(d["activity_date"])
        weekly[week] = weekly.get(week, 0.0) + (d["watch_time_s"] or 0) / 3600
    weeks = [{"date": w.isoformat(), "hours": round(h, 3)} for w, h in sorted(weekly.items())]
    out = []
    # Years of days on a page-wide chart: thin bars of a fixed width, so days never overlap
    # into a solid area that hides the quiet ones.
    for chart_id, title, rows, label, bar in (
        ("hours-per-day", "Hours per local day", daily, "%Y-%m-%d", 1),
        ("hours-per-week", "Hours per week (weeks start on Monday)", weeks, "week of %Y-%m-%d", 2),
    ):
        x = alt.X("date:T", scale=alt.Scale(type="utc"), axis=alt.Axis(title=None, format="%b %Y"))
        y = alt.Y("hours:Q", title="hours")
        chart = (
            alt.Chart(alt.Data(values=rows))
            .mark_bar(color="#0b63ce", size=bar)
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("date:T", format=label, formatType="utc", title="date"),
                    alt.Tooltip("hours:Q", format=".2f"),
                ],
            )
            .properties(width=720, height=140)
        )
        spec = chart.to_dict()
        spec["config"] = {"view": {"stroke": None}}
        svg = vl_convert.vegalite_to_svg(spec)
        out.append(
            f'<figure class="chart" id="{chart_id}" data-points="{len(rows)}"><figcaption>{_e(title)}'
            f"</figcaption>{_svg_with_tooltips(svg, chart_id)}</figure>"
        )
    return "<div class='charts'>" + "".join(out) + "</div>"


def _rule_outcomes(
    published: dict, peaks: dict, thresholds: dict[str, float]
) -> tuple[list[dict], list[str]]:
    """One entry per rule: fired (first and peak rows) or its closest approach; table rows."""
    outcomes, rows = [], []
    by_rule: dict[str, list[dict]] = {}
    for row in published["notable"]:
        by_rule.setdefault(row["rule"], []).append(row)
    units = {
        "episodes_7d": "episodes in 7 days",
        "watch_hours_7d": "attended hours in 7 days",
        "title_streak": "consecutive days of the same title",
        "marathon": "hours of viewing with no gap over 30 min",
    }
    for rule in NOTABLE_RULES:
        fired = by_rule.get(rule, [])
        threshold = fired[0]["threshold"] if fired else thresholds[rule]
        if fired:
            peak = max(fired, key=lambda r: (r["metric_value"], r["activity_date"]))
            outcome = dict(
                rule=rule,
                fired=True,
                days_flagged=len(fired),
                first_date=fired[0]["activity_date"].isoformat(),
                last_date=fired[-1]["activity_date"].isoformat(),
                peak=peak["metric_value"],
                peak_date=peak["activity_date"].isoformat(),
                peak_window_start=peak["window_start_date"].isoformat(),
                evidence=peak["evidence"],
                threshold=threshold,
            )
            shown = "".join(
                f"<li>{_e(r['activity_date'])}: {r['metric_value']:g} {units[rule]} "
                f"(window {_e(r['window_start_date'])} to {_e(r['activity_date'])}"
                + (f", {_e(r['evidence'])}" if r["evidence"] else "")
                + ")</li>"
                for r in fired[:10]
            )
            more = f"<li class='muted'>and {len(fired) - 10} more day(s)</li>" if len(fired) > 10 else ""
            text = (
                f"<b class='fail'>fired</b> on {len(fired)} day(s), first {_e(fired[0]['activity_date'])}; "
                f"peak {peak['metric_value']:g} {units[rule]} (threshold {threshold:g}) on "
                f"{_e(peak['activity_date'])}"
                + (f" ({_e(peak['evidence'])})" if peak["evidence"] else "")
                + f"<ul>{shown}{more}</ul>"
            )
        else:
            best = peaks.get(rule)
            outcome = dict(rule=rule, fired=False, threshold=threshold, peak=best["metric"] if best else 0.0)
            if best:
                outcome.update(
                    peak_date=best["activity_date"].isoformat(),
                    peak_window_start=best["window_start_date"].isoformat(),
                    evidence=best.get("evidence"),
                )
                text = (
                    f"<b class='pass'>not fired</b>: best {best['metric']:g} {units[rule]} of {threshold:g} "
                    f"(window {_e(best['window_start_date'])} to {_e(best['activity_date'])}"
                    + (f", {_e(best['evidence'])}" if best.get("evidence") else "")
                    + ")"
                )
            else:
                text = "<b class='pass'>not fired</b>: nothing that counts toward it"
        outcomes.append(outcome)
        rows.append(f"<tr><th><code>{rule}</code></th><td>{text}</td></tr>")
    return outcomes, rows


def _could_not_tell(profile: dict, formats: list[str]) -> list[str]:
    notes = []
    source = profile.get("time_zone_source") or ""
    if profile.get("time_zone") == "UTC" and "given" not in source:
        notes.append(
            "Your time zone: the export records none and gave no country with one zone, so local "
            "days are UTC days (import again with --time-zone)."
        )
    else:
        notes.append(f"Your time zone is not in the export: {profile.get('time_zone')} ({source}).")
    mine = profile.get("formats") or []
    if "ViewingActivity.csv" in mine:
        notes.append(
            "Pauses and seeks inside one viewing: ViewingActivity.csv has one row per viewing, so "
            "each row counts as continuous watching."
        )
    if mine == ["PlaybackRelatedEvents.csv"]:
        notes.append("Autoplay: PlaybackRelatedEvents.csv does not say it, so nothing counts as unattended.")
    notes.append(
        "Episode runtimes are not exported: an episode counts as completed when you reached 90 % of "
        "the furthest point anyone in the export reached, so episode counts are an upper bound."
    )
    if "NetflixViewingHistory.csv" in formats:
        notes.append(
            "NetflixViewingHistory.csv has no times or durations: its titles are known, its viewing "
            "time is not counted."
        )
    return notes


def _profile_page(
    name: str,
    account: str,
    profile: dict,
    formats: list[str],
    published: dict,
    wh: dict | None,
    thresholds: dict[str, float],
) -> tuple[str, dict]:
    days = published["days"]
    total = sum(d["watch_time_s"] or 0 for d in days)
    unattended = sum(d["unattended_s"] or 0 for d in days)
    nights = [d for d in days if (d["night_watch_s"] or 0) > 0]
    longest = max(days, key=lambda d: d["longest_continuous_s"] or 0, default=None)
    weeks = {_week_start(d["activity_date"]) for d in days}
    peaks: dict[str, Any] = {"watch_hours_7d": _best_week_hours(days)}
    top_series, top_films = [], []
    if wh:
        peaks["episodes_7d"] = wh["episodes_7d"]
        peaks["title_streak"] = wh["title_streak"]
        block = wh["marathon_block"]
        if block and block[2]:
            zone = ZoneInfo(profile.get("time_zone") or "UTC")
            began, ended = (t.replace(tzinfo=UTC).astimezone(zone) for t in block[:2])
            peaks["marathon"] = dict(
                metric=round(block[2] / 3600, 2),
                activity_date=ended.date(),
                window_start_date=began.date(),
                evidence=f"{began:%Y-%m-%d %H:%M} to {ended:%Y-%m-%d %H:%M} local time",
            )
        top_series = [t for t in wh["top"] if t[1]][:TOP_TITLES]
        top_films = [t for t in wh["top"] if not t[1]][:TOP_TITLES]
    outcomes, rule_rows = _rule_outcomes(published, peaks, thresholds)
    facts = {
        "profile_name": name,
        "account_id": account,
        "time_zone": profile.get("time_zone"),
        "time_zone_source": profile.get("time_zone_source"),
        "watch_time_s": total,
        "viewing_days": len(days),
        "first_date": days[0]["activity_date"].isoformat() if days else None,
        "last_date": days[-1]["activity_date"].isoformat() if days else None,
        "unattended_s": unattended,
        "nights_past_midnight": len(nights),
        "longest_continuous_s": longest["longest_continuous_s"] if longest else 0,
        "rules": outcomes,
    }
    parts = [
        "<header><nav><a href='../index.html'>all runs</a> · <a href='index.html'>all profiles</a></nav>"
        f"<h1>{_e(name)}: your viewing</h1><p>Account <code>{_e(account)}</code>, time zone "
        f"<b>{_e(profile.get('time_zone'))}</b> ({_e(profile.get('time_zone_source'))}); read from "
        f"{_e(', '.join(profile.get('formats') or []) or 'no viewing file')}. This page is local: the "
        "published tables never hold your name.</p></header>"
    ]
    if not days:
        parts.append(
            "<p class='muted'>No published viewer-days for this profile yet (has a run published?).</p>"
        )
    else:
        parts.append(
            f"<p><b>{_hours(total)}</b> on {len(days):,} local days from {_e(facts['first_date'])} to "
            f"{_e(facts['last_date'])}: {_hours(total / len(days))} per viewing day, "
            f"{_hours(total / max(1, len(weeks)))} per week with viewing.</p>"
        )
    parts.append("<h2>Hours per day and per week</h2>" + _charts(days))
    parts.append("<h2>Longest continuous viewing</h2>")
    if longest:
        parts.append(
            f"<p>Within one local day: <b>{_duration(longest['longest_continuous_s'])}</b> on "
            f"{_e(longest['activity_date'])} (viewing with no gap over 30 min)."
            + (
                f" Across midnights: {_duration(peaks['marathon']['metric'] * 3600)}, "
                f"{_e(peaks['marathon']['evidence'])}, attended viewing only."
                if peaks.get("marathon")
                else ""
            )
            + "</p>"
        )
    for heading, rows in (("Top series", top_series), ("Top films", top_films)):
        parts.append(f"<h2>{heading}</h2>")
        if rows:
            parts.append(
                "<table class='narrow'><tr><th>title</th><th>hours</th><th>days</th></tr>"
                + "".join(
                    f"<tr><td>{_e(t[0])}</td><td class='num'>{t[2] / 3600:,.1f}</td>"
                    f"<td class='num'>{t[3]}</td></tr>"
                    for t in rows
                )
                + "</table>"
            )
        else:
            parts.append("<p class='muted'>None.</p>")
    parts.append(
        f"<h2>Nights past local midnight</h2><p>{len(nights):,} local day(s) with viewing between "
        f"00:00 and 06:00, {_hours(sum(d['night_watch_s'] for d in nights))} in all.</p>"
    )
    if nights:
        latest = sorted(nights, key=lambda d: (-d["night_watch_s"], d["activity_date"]))[:5]
        parts.append(
            "<ul>"
            + "".join(f"<li>{_e(d['activity_date'])}: {_duration(d['night_watch_s'])}</li>" for d in latest)
            + "</ul>"
        )
    parts.append("<h2>Unattended autoplay</h2>")
    if profile.get("formats") == ["PlaybackRelatedEvents.csv"]:
        parts.append("<p class='muted'>Your export does not say which viewing was autoplayed.</p>")
    else:
        parts.append(
            f"<p>{_hours(unattended)} played by autoplay with nobody touching the remote "
            "(after three autoplayed episodes or 90 minutes); it never counts toward a rule.</p>"
        )
    parts.append("<h2>Would you count as a notable viewer?</h2><table>" + "".join(rule_rows) + "</table>")
    parts.append(
        "<h2>What your export could not tell</h2><ul>"
        + "".join(f"<li>{_e(n)}</li>" for n in _could_not_tell(profile, formats))
        + "</ul>"
    )
    parts.append(
        "<script type='application/json' id='personal-data'>"
        + json.dumps(facts, default=str).replace("</", "<\\/")
        + "</script>"
    )
    return _page(f"bingewatch: {name}", "".join(parts)), facts


def _viewer_keys(settings: Settings) -> dict[str, str]:
    """profile_id -> viewer_key as the run computed it (the warehouse's internal mapping)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(settings.viewer_keys_path, columns=["profile_id", "viewer_key"])
    except (OSError, ValueError, KeyError):
        return {}
    return dict(zip(table["profile_id"].to_pylist(), table["viewer_key"].to_pylist(), strict=True))


def _erased_accounts(settings: Settings) -> set[str]:
    import duckdb

    folder = settings.raw_dir / "erasure_requests"
    if not (folder.is_dir() and any(folder.glob("*.parquet"))):
        return set()
    glob = (folder / "*.parquet").as_posix().replace("'", "''")
    try:
        with duckdb.connect() as con:
            rows = con.execute(f"select distinct account_id from read_parquet('{glob}')").fetchall()
    except duckdb.Error:
        return set()
    return {r[0] for r in rows if r[0]}


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Pages of profiles no longer imported (or erased) go; the index is rewritten after."""
    if not folder.is_dir():
        return
    for page in folder.glob("*.html"):
        if page.name not in keep:
            page.unlink(missing_ok=True)


def write_personal_pages(settings: Settings) -> list[Path]:
    """Write one page per imported profile (and reports/personal/index.html); return the pages.

    Nothing is written when no import record exists (generated data has none)."""
    from bingewatch.importers.import_records import forget, read_all

    # An erased account loses its local record and pages too: erasure removes an account from
    # every copy of its data, not only the warehouse.
    for account in _erased_accounts(settings):
        forget(settings.data_dir, account)
    records = read_all(settings.data_dir)
    if not records:
        _remove_stale(settings.reports_dir / PERSONAL_DIR, keep=set())
        return []
    import duckdb

    from bingewatch.pseudonyms import viewer_key
    from bingewatch.settings import pseudonym_key

    folder = settings.reports_dir / PERSONAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    key = pseudonym_key()
    thresholds = rule_vars()
    rule_thresholds = {
        "episodes_7d": float(thresholds["episodes_7d_threshold"]),
        "watch_hours_7d": float(thresholds["watch_hours_7d_threshold"]),
        "title_streak": float(thresholds["title_streak_days"]),
        "marathon": float(thresholds["marathon_hours"]),
    }
    warehouse = None
    try:
        from bingewatch.warehouse_tables import readable_warehouse

        warehouse = duckdb.connect(str(readable_warehouse(settings)), read_only=True)
    except Exception:  # noqa: BLE001 - the page says the warehouse figures are missing
        warehouse = None
    published = (
        duckdb.connect(str(settings.published_path), read_only=True)
        if settings.published_path.is_file()
        else None
    )
    keys = _viewer_keys(settings)
    names = [(r["account_id"], p) for r in records for p in r.get("profiles", [])]
    taken: dict[str, int] = {}
    pages, index_rows = [], []
    try:
        for account, profile in names:
            name = profile["profile_name"]
            slug = _slug(name)
            taken[slug] = taken.get(slug, 0) + 1
            if taken[slug] > 1:  # the same name in two accounts
                slug = f"{slug}-{taken[slug]}"
            vk = keys.get(profile["profile_id"]) or viewer_key(profile["profile_id"], key)
            data = _published(published, vk) if published else {"days": [], "notable": []}
            wh = None
            if warehouse is not None:
                try:
                    wh = _warehouse(warehouse, profile["profile_id"], float(thresholds["marathon_max_gap_s"]))
                except duckdb.Error:
                    wh = None
            record = next(r for r in records if r["account_id"] == account)
            text, facts = _profile_page(
                name, account, profile, record.get("export_formats", []), data, wh, rule_thresholds
            )
            page = folder / f"{slug}.html"
            tmp = page.with_name(f".{page.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(page)
            pages.append(page)
            fired = [o["rule"] for o in facts["rules"] if o["fired"]]
            index_rows.append(
                f"<tr><td><a href='{_e(page.name)}'>{_e(name)}</a></td><td>{_e(account)}</td>"
                f"<td class='num'>{_hours(facts['watch_time_s'])}</td>"
                f"<td>{_e(', '.join(fired) or 'none')}</td></tr>"
            )
    finally:
        for con in (warehouse, published):
            if con is not None:
                con.close()
    _remove_stale(folder, keep={p.name for p in pages})
    index = folder / "index.html"
    index.write_text(
        _page(
            "bingewatch: your pages",
            "<nav><a href='../index.html'>all runs</a></nav><h1>Imported profiles</h1><table><tr>"
            "<th>profile</th><th>account</th><th>watch time</th><th>rules fired</th></tr>"
            + "".join(index_rows)
            + "</table>",
        ),
        encoding="utf-8",
    )
    return pages
