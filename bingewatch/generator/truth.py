"""An independent, plain-Python implementation of docs/definitions.md for planted viewers.

It reads the planted session plans (not the generated events) and returns every notable-viewer row
the pipeline must produce, plus exact viewer-day numbers. Background viewers never meet a rule
(see sessions.py), so these rows are the complete ground truth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Defaults from docs/definitions.md (dbt vars).
EPISODES_7D_THRESHOLD = 100
WATCH_HOURS_7D_THRESHOLD = 70
TITLE_STREAK_DAYS = 18
STREAK_MIN_DAILY_S = 600
MARATHON_HOURS = 12
MARATHON_MAX_GAP_S = 1800
COMPLETION_SHARE = 0.9
CHAIN_GAP_S = 600
UNATTENDED_AFTER_EPISODES = 3
UNATTENDED_AFTER_S = 5400

STREAK_TYPES = {"episode", "film"}


@dataclass(frozen=True)
class TruthRow:
    profile_id: str
    rule: str
    activity_date: date
    window_start_date: date
    metric_value: float


def intervals(s: dict) -> list[tuple[datetime, datetime]]:
    """Watching intervals of a session plan (UTC, naive): play time, minus the pause."""
    start, play, pause_at, pause_len = s["start_ts"], s["play_s"], s["pause_at_s"], s["pause_len_s"]
    if pause_at is None:
        return [(start, start + timedelta(seconds=play))]
    return [
        (start, start + timedelta(seconds=pause_at)),
        (start + timedelta(seconds=pause_at + pause_len), start + timedelta(seconds=play + pause_len)),
    ]


def session_end(s: dict) -> datetime:
    return s["start_ts"] + timedelta(seconds=s["play_s"] + s["pause_len_s"])


def is_interactive(s: dict) -> bool:
    return (not s["autoplay"]) or s["pause_at_s"] is not None or s["seek_at_s"] is not None


def attended_flags(sessions: list[dict], count_reset_session: bool) -> dict[str, bool]:
    """Session id -> attended, by the chain rule. `count_reset_session` chooses whether the play
    time of the interactive session that reset a chain counts toward `unattended_after_s`; the
    definitions leave it open, so callers check that results do not depend on it."""
    out: dict[str, bool] = {}
    by_device: dict[str, list[dict]] = defaultdict(list)
    for s in sessions:
        by_device[s["device_type"]].append(s)
    for group in by_device.values():
        group.sort(key=lambda s: (s["start_ts"], s["session_id"]))
        prev_end, n_auto, played = None, 0, 0
        for s in group:
            if prev_end is None or (s["start_ts"] - prev_end).total_seconds() > CHAIN_GAP_S:
                n_auto, played = 0, 0
            if is_interactive(s):
                out[s["session_id"]] = True
                n_auto, played = 0, (s["play_s"] if count_reset_session else 0)
            else:
                unattended = n_auto >= UNATTENDED_AFTER_EPISODES or played >= UNATTENDED_AFTER_S
                out[s["session_id"]] = not unattended
                n_auto += 1
                played += s["play_s"]
            prev_end = session_end(s)
    return out


def _local(ts: datetime, tz: ZoneInfo) -> datetime:
    return ts.replace(tzinfo=UTC).astimezone(tz)


def split_by_local_day(a: datetime, b: datetime, tz: ZoneInfo) -> list[tuple[date, float]]:
    """(local date, seconds) pieces of the UTC interval [a, b)."""
    out = []
    while a < b:
        d = _local(a, tz).date()
        next_midnight = datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz)
        cut = next_midnight.astimezone(UTC).replace(tzinfo=None)
        end = min(b, cut)
        out.append((d, (end - a).total_seconds()))
        a = end
    return out


def evaluate(
    profiles: list[dict],
    sessions: list[dict],
    titles: dict[str, dict],
    horizon: date,
    count_reset_session: bool = True,
) -> tuple[list[TruthRow], list[dict]]:
    """Notable rows and viewer-day numbers for the given profiles.

    Rules are evaluated on activity dates only (local days with attended viewing), as the
    pipeline does; `horizon`, the last arrival date, is kept for callers' bookkeeping.
    """
    rows: list[TruthRow] = []
    days_out: list[dict] = []
    by_profile: dict[str, list[dict]] = defaultdict(list)
    for s in sessions:
        by_profile[s["profile_id"]].append(s)
    for prof in profiles:
        pid, tz = prof["profile_id"], ZoneInfo(prof["time_zone"])
        mine = sorted(by_profile.get(pid, []), key=lambda s: (s["start_ts"], s["session_id"]))
        if not mine:
            continue
        attended = attended_flags(mine, count_reset_session)
        watch = defaultdict(float)
        att = defaultdict(float)
        title_s: dict[tuple[date, str], float] = defaultdict(float)
        episodes_att: dict[date, set] = defaultdict(set)
        episodes_all: dict[date, set] = defaultdict(set)
        titles_started: dict[date, set] = defaultdict(set)
        day_sessions: dict[date, set] = defaultdict(set)
        att_intervals = []
        for s in mine:
            t = titles[s["title_id"]]
            titles_started[_local(s["start_ts"], tz).date()].add(s["title_id"])
            for a, b in intervals(s):
                if attended[s["session_id"]]:
                    att_intervals.append((a, b))
                for d, secs in split_by_local_day(a, b, tz):
                    watch[d] += secs
                    day_sessions[d].add(s["session_id"])
                    if attended[s["session_id"]]:
                        att[d] += secs
                        if t["title_type"] in STREAK_TYPES:
                            title_s[(d, s["title_id"])] += secs
            max_offset = s["start_offset_ms"] + s["play_s"] * 1000
            if t["title_type"] == "episode" and max_offset >= COMPLETION_SHARE * t["runtime_s"] * 1000:
                end_day = _local(session_end(s), tz).date()
                episodes_all[end_day].add(s["title_id"])
                if attended[s["session_id"]]:
                    episodes_att[end_day].add(s["title_id"])
        for d in sorted(watch):
            days_out.append(
                {
                    "profile_id": pid,
                    "activity_date": d.isoformat(),
                    "watch_time_s": round(watch[d]),
                    "attended_s": round(att[d]),
                    "unattended_s": round(watch[d] - att[d]),
                    "sessions": len(day_sessions[d]),
                    "titles_started": len(titles_started[d]),
                    "episodes_completed": len(episodes_all[d]),
                }
            )
        # Rolling 7-day rules, on every activity date: a local day with attended viewing
        # (docs/definitions.md: no rows for days without viewing).
        eval_dates = {d for d, secs in att.items() if secs > 0}
        for d in sorted(eval_dates):
            window = [d - timedelta(days=k) for k in range(7)]
            eps = set().union(*(episodes_att.get(x, set()) for x in window))
            if len(eps) >= EPISODES_7D_THRESHOLD:
                rows.append(TruthRow(pid, "episodes_7d", d, window[-1], float(len(eps))))
            hours = sum(att.get(x, 0.0) for x in window) / 3600
            if hours >= WATCH_HOURS_7D_THRESHOLD:
                rows.append(TruthRow(pid, "watch_hours_7d", d, window[-1], round(hours, 6)))
        # Title streaks: consecutive local days with >= 600 s of one title, the same film or
        # the same episode (a series followed with a new episode each day is no streak).
        by_title: dict[str, set] = defaultdict(set)
        for (day, title_id), secs in title_s.items():
            if secs >= STREAK_MIN_DAILY_S:
                by_title[title_id].add(day)
        best: dict[date, tuple[int, date]] = {}
        for dset in by_title.values():
            for day in sorted(dset):
                n, start = 1, day
                while start - timedelta(days=1) in dset:
                    start -= timedelta(days=1)
                    n += 1
                if n >= TITLE_STREAK_DAYS and (day not in best or n > best[day][0]):
                    best[day] = (n, start)
        for day, (n, start) in sorted(best.items()):
            rows.append(TruthRow(pid, "title_streak", day, start, float(n)))
        # Marathons: attended intervals merged across sessions with gaps <= 30 min.
        att_intervals.sort()
        blocks = []
        for a, b in att_intervals:
            if blocks and (a - blocks[-1][1]).total_seconds() <= MARATHON_MAX_GAP_S:
                blocks[-1][1] = max(blocks[-1][1], b)
            else:
                blocks.append([a, b])
        for a, b in blocks:
            span_h = (b - a).total_seconds() / 3600
            if span_h >= MARATHON_HOURS:
                rows.append(
                    TruthRow(pid, "marathon", _local(b, tz).date(), _local(a, tz).date(), round(span_h, 6))
                )
    return rows, days_out
