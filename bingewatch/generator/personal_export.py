"""A made-up household's own Netflix export, with the truth of what each profile watched.

``bingewatch generate --personal-export DIR`` writes what "Download your personal information"
gives a household, in the formats docs/importing.md reads:

- ``DIR/export/CONTENT_INTEREST/ViewingActivity.csv``: four profiles over ``years`` years of
  evenings: episodes of a few series and films, episodes resumed in a second row
  (``Not latest view`` on the first), hooks and trailers (Supplemental Video Type), a chain of
  autoplayed cartoons on the kids' profile, nights past local midnight, a few placeholder rows
  at the Unix epoch, and, with ``resaved`` (the default), Start Times as a spreadsheet re-saves
  them (``12/28/2021 13:02``: month first, the seconds lost) and durations like ``0:22:05``;
- ``PlaybackRelatedEvents.csv``: a few weeks of playback traces of one profile, which the
  importer skips because ViewingActivity.csv already covers that profile;
- ``NetflixViewingHistory.csv``: one profile's titles and dates (``M/D/YY``), titles only;
- ``DIR/truth.json``: per profile, the country and the zone the tz database gives it, watch time
  per local day, unattended time, every notable-viewer row (computed by ``truth.evaluate``, the
  generator's independent implementation of docs/definitions.md, from the rows as written) and
  each rule's peak: the longest same-title streak and the best 7-day episode count.

The planted stories: Mara watches the film "A Christmas Prince" 19 days running in December of
the second year (``title_streak`` fires) and follows one series every evening for 24 days (not
a streak); Jonas sits through a 13-hour Saturday (``marathon``) and comes close to
``episodes_7d`` (95 sitcom episodes in a week); the kids' profile autoplays cartoons, mostly
unattended; Oma watches from Austria. Same seed, same files.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bingewatch.importers.csvfile import HEADERS, VIEWING_ACTIVITY

from . import truth

VIEWING_ACTIVITY_HEADER = list(HEADERS[VIEWING_ACTIVITY])  # the importer's own header
HOUSEHOLD = [
    # name, country as exported, its zone (the tz database's only one), device
    ("Mara", "DE (Germany)", "Europe/Berlin", "Samsung 2019 UHD TV"),
    ("Jonas", "DE (Germany)", "Europe/Berlin", "Sony PlayStation 5"),
    ("Kids", "DE (Germany)", "Europe/Berlin", "Amazon Fire TV Stick"),
    ("Oma Ilse", "AT (Austria)", "Europe/Vienna", "Apple iPad"),
]
SERIES = [
    # (series, runtime_s, seasons, episodes per season, title pattern)
    ("The Office (U.S.)", 1320, 9, 22, "The Office (U.S.): Season {s}: Episode {e} (Episode {e})"),
    ("Stranger Things", 3000, 4, 9, "Stranger Things: Stranger Things {s}: Chapter {e} (Episode {e})"),
    ("The Crown", 3480, 6, 10, "The Crown: Season {s}: Episode {e} (Episode {e})"),
    ("Dark", 3120, 3, 10, "Dark: Season {s}: Chapter {e} (Episode {e})"),
]
CARTOONS = ("Peppa Wutz", 300, 7, 52, "Peppa Wutz: Staffel {s}: Folge {e} (Folge {e})")
FILMS = [("Glass Onion: A Knives Out Mystery", 8340), ("Mission: Impossible", 6600), ("Roma", 8100)]
STREAK_FILM = ("A Christmas Prince", 5520)
HOOKS = [("Wednesday_hook_primary_16x9", "HOOK", 30), ("The Witcher: Season 3 (Trailer)", "TRAILER", 90)]
PLACEHOLDER_START = "1970-01-01 00:00:00"


def _fmt_duration(seconds: int, resaved: bool) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if resaved else f"{h:02d}:{m:02d}:{s:02d}"


def _fmt_start(utc: datetime, resaved: bool) -> str:
    return (
        f"{utc.month}/{utc.day}/{utc.year} {utc.hour}:{utc.minute:02d}"
        if resaved
        else f"{utc:%Y-%m-%d %H:%M:%S}"
    )


class _Profile:
    """One profile's rows, written in order; keeps every row after the previous one ends."""

    def __init__(self, name: str, country: str, zone: str, device: str, resaved: bool):
        self.name, self.country, self.zone, self.device = name, country, ZoneInfo(zone), device
        self.zone_name = zone
        self.resaved = resaved
        self.rows: list[dict] = []
        self.plans: list[dict] = []  # the truth's session plans, from the rows as written
        self.busy_until = datetime(1971, 1, 1)

    def local(self, day: date, hh: int, mm: int = 0) -> datetime:
        aware = datetime.combine(day, time(hh % 24, mm), tzinfo=self.zone) + timedelta(days=hh // 24)
        return aware.astimezone(UTC).replace(tzinfo=None)

    def watch(
        self,
        start: datetime,
        title: str,
        runtime_s: int,
        play_s: int,
        *,
        kind: str,
        series: str | None = None,
        supplemental: str = "",
        attributes: str = "",
        bookmark_s: int | None = None,
        latest: str | None = None,
    ) -> datetime:
        """One ViewingActivity row; returns when it ends (UTC)."""
        start = max(start, self.busy_until + timedelta(seconds=90))  # rows never overlap
        if self.resaved and start.second:
            # The re-saved file keeps whole minutes: start on the next one, so the row as
            # written (and the truth computed from it) still begins after the previous row ends.
            start = start.replace(second=0) + timedelta(minutes=1)
        start = start.replace(microsecond=0)
        bookmark_s = play_s if bookmark_s is None else bookmark_s
        self.rows.append(
            {
                "Profile Name": self.name,
                "Start Time": _fmt_start(start, self.resaved),
                "Duration": _fmt_duration(play_s, self.resaved),
                "Attributes": attributes,
                "Title": title,
                "Supplemental Video Type": supplemental,
                "Device Type": self.device,
                "Bookmark": _fmt_duration(bookmark_s, self.resaved),
                "Latest Bookmark": latest or _fmt_duration(bookmark_s, self.resaved),
                "Country": self.country,
            }
        )
        autoplay = attributes.startswith("Autoplayed")
        self.plans.append(
            dict(
                session_id=f"{self.name}-{len(self.plans):06d}",
                profile_id=self.name,
                title_id=f"{kind}|{title}",
                device_type=self.device,
                autoplay=autoplay,
                start_ts=start,
                play_s=play_s,
                start_offset_ms=max(0, bookmark_s - play_s) * 1000,
                pause_at_s=None,
                pause_len_s=0,
                seek_at_s=30 if autoplay and "user action: None" not in attributes else None,
                _kind=kind,
                _series=series,
                _bookmark_s=bookmark_s,
                _runtime_s=runtime_s,
            )
        )
        self.busy_until = start + timedelta(seconds=play_s)
        return self.busy_until


def _episode(series: tuple, n: int) -> tuple[str, int]:
    name, runtime, seasons, per_season, pattern = series
    n %= seasons * per_season
    return pattern.format(s=n // per_season + 1, e=n % per_season + 1), runtime


def _ordinary_evening(
    p: _Profile, rng: random.Random, day: date, position: dict, series_choices: list = SERIES
) -> None:
    """One to three episodes of the series the profile is following, sometimes a film, a hook
    first now and then, an episode resumed later, and sometimes past midnight."""
    late = rng.random() < 0.08
    t = p.local(day, 23 if late else rng.choice([19, 20, 21]), rng.randrange(0, 60))
    if rng.random() < 0.15:
        title, kind, seconds = rng.choice(HOOKS)
        t = p.watch(t, title, seconds, seconds, kind=kind.lower(), supplemental=kind) + timedelta(minutes=2)
    if rng.random() < 0.12:
        title, runtime = rng.choice(FILMS)
        p.watch(t, title, runtime, rng.randrange(runtime // 2, runtime), kind="film")
        return
    series = series_choices[position.setdefault("series", rng.randrange(len(series_choices)))]
    for _ in range(rng.randrange(1, 4)):
        n = position.get(series[0], 0)
        position[series[0]] = n + 1
        title, runtime = _episode(series, n)
        if rng.random() < 0.15:  # stopped part-way, resumed after a break
            first = rng.randrange(300, runtime - 300)
            t = p.watch(t, title, runtime, first, kind="episode", series=series[0], latest="Not latest view")
            t += timedelta(minutes=rng.randrange(5, 25))
            t = p.watch(
                t, title, runtime, runtime - first, kind="episode", series=series[0], bookmark_s=runtime
            )
        else:
            t = p.watch(t, title, runtime, runtime, kind="episode", series=series[0])
        t += timedelta(seconds=rng.randrange(20, 300))
    if rng.random() < 0.1:
        position["series"] = rng.randrange(len(series_choices))


def _kids_morning(p: _Profile, rng: random.Random, day: date, position: dict) -> None:
    """A started cartoon, then autoplay with nobody touching the remote (unattended after 3)."""
    t = p.local(day, 7, rng.randrange(0, 40))
    for k in range(rng.randrange(2, 9)):
        n = position.get("cartoon", 0)
        position["cartoon"] = n + 1
        title, runtime = _episode(CARTOONS, n)
        attributes = "" if k == 0 else "Autoplayed: user action: None; "
        t = p.watch(t, title, runtime, runtime, kind="episode", series=CARTOONS[0], attributes=attributes)
        t += timedelta(seconds=8)


def _household(start: date, years: int, seed: int, resaved: bool) -> list[_Profile]:
    rng = random.Random(seed)
    profiles = {name: _Profile(name, c, z, d, resaved) for name, c, z, d in HOUSEHOLD}
    end = start + timedelta(days=365 * years)
    streak_start = date(start.year + 1, 12, 1)  # 19 days of the same film
    follow_start = date(start.year + 2, 3, 1)  # 24 evenings of one series
    marathon_day = date(start.year + 3, 6, 6)
    near_week = date(start.year + 3, 9, 1)  # 95 sitcom episodes in 7 days
    positions: dict[str, dict] = defaultdict(dict)
    day = start
    while day < end:
        mara, jonas = profiles["Mara"], profiles["Jonas"]
        if streak_start <= day < streak_start + timedelta(days=19):
            play = 5510 if (day - streak_start).days % 3 == 0 else 1500
            mara.watch(mara.local(day, 20, 15), *STREAK_FILM, play, kind="film")
        elif follow_start <= day < follow_start + timedelta(days=24):
            k = (day - follow_start).days
            t = mara.local(day, 20, 30)
            for n in (2 * k, 2 * k + 1):
                title, runtime = _episode(SERIES[2], n)
                t = mara.watch(t, title, runtime, runtime, kind="episode", series=SERIES[2][0])
        elif rng.random() < 0.55:
            _ordinary_evening(mara, rng, day, positions["Mara"])
        if day == marathon_day:  # 13 h of Dark with gaps of at most 20 minutes
            t = jonas.local(day, 9, 0)
            for n in range(15):
                title, runtime = _episode(SERIES[3], n)
                t = jonas.watch(t, title, runtime, runtime, kind="episode", series=SERIES[3][0])
                t += timedelta(minutes=[3, 12, 20, 5][n % 4])
        elif near_week <= day < near_week + timedelta(days=7):
            k = (day - near_week).days
            t = jonas.local(day, 10, 0)
            for j in range(14 if k < 6 else 11):  # 6 x 14 + 11 = 95 distinct episodes
                title, runtime = _episode(SERIES[0], 14 * k + j)
                t = jonas.watch(t, title, runtime, runtime, kind="episode", series=SERIES[0][0])
                t += timedelta(minutes=40 if j % 5 == 4 else 2)
        elif rng.random() < 0.35 and day.weekday() >= 4:
            # never the sitcom of his near-miss week, so that week's count stays its own
            _ordinary_evening(jonas, rng, day, positions["Jonas"], SERIES[1:])
        if rng.random() < 0.3:
            _kids_morning(profiles["Kids"], rng, day, positions["Kids"])
        if rng.random() < 0.25:
            _ordinary_evening(profiles["Oma Ilse"], rng, day, positions["Oma Ilse"])
        day += timedelta(days=1)
    return list(profiles.values())


def _peaks(plans: list[dict], zone: ZoneInfo, attended: dict[str, bool], runtime: dict[str, int]) -> dict:
    """The longest same-title streak and the best 7-day count of completed attended episodes."""
    title_days: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    done: dict[date, set] = defaultdict(set)
    activity = set()
    for s in plans:
        if not attended[s["session_id"]]:
            continue
        for a, b in truth.intervals(s):
            for d, secs in truth.split_by_local_day(a, b, zone):
                activity.add(d)
                if s["_kind"] in truth.STREAK_TYPES:
                    title_days[s["title_id"]][d] += secs
        if s["_kind"] == "episode" and s["_bookmark_s"] >= truth.COMPLETION_SHARE * runtime[s["title_id"]]:
            end = truth.session_end(s).replace(tzinfo=UTC).astimezone(zone).date()
            done[end].add(s["title_id"])
    best_streak = (0, None)
    for title_id, days in title_days.items():
        qualifying = sorted(d for d, secs in days.items() if secs >= truth.STREAK_MIN_DAILY_S)
        run = 0
        for i, d in enumerate(qualifying):
            run = run + 1 if i and qualifying[i - 1] == d - timedelta(days=1) else 1
            if run > best_streak[0]:
                best_streak = (run, title_id.split("|", 1)[1])
    best_episodes = 0
    for d in activity:
        window = set().union(*(done.get(d - timedelta(days=k), set()) for k in range(7)))
        best_episodes = max(best_episodes, len(window))
    return {
        "title_streak_days": best_streak[0],
        "title_streak_title": best_streak[1],
        "episodes_7d": best_episodes,
    }


def _truth(profiles: list[_Profile]) -> dict:
    runtime: dict[str, int] = {}
    titles: dict[str, dict] = {}
    for p in profiles:
        for s in p.plans:
            # The importer's runtime: the largest Bookmark of the title anywhere in the export.
            runtime[s["title_id"]] = max(runtime.get(s["title_id"], 0), s["_bookmark_s"])
    for p in profiles:
        for s in p.plans:
            titles[s["title_id"]] = {
                "title_type": s["_kind"],
                "series_id": s["_series"],
                "runtime_s": runtime[s["title_id"]],
            }
    out = {}
    for p in profiles:
        rows, days = truth.evaluate(
            [{"profile_id": p.name, "time_zone": p.zone_name}], p.plans, titles, date(2100, 1, 1)
        )
        attended = truth.attended_flags(sorted(p.plans, key=lambda s: (s["start_ts"], s["session_id"])), True)
        out[p.name] = {
            "country": p.country,
            "time_zone": p.zone_name,
            "rows_written": len(p.rows),
            "watch_time_s": sum(s["play_s"] for s in p.plans),
            "viewing_days": len(days),
            "days": {d["activity_date"]: d["watch_time_s"] for d in days},
            "unattended_s": sum(d["unattended_s"] for d in days),
            "notable": [
                {
                    "rule": r.rule,
                    "activity_date": r.activity_date.isoformat(),
                    "window_start_date": r.window_start_date.isoformat(),
                    "metric_value": r.metric_value,
                }
                for r in rows
            ],
            "rules_fired": sorted({r.rule for r in rows}),
            "peaks": _peaks(p.plans, p.zone, attended, runtime),
        }
    return out


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:  # a BOM, as Netflix writes
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def write_personal_export(
    out_dir: Path, *, years: int = 5, start: date = date(2021, 1, 4), seed: int = 19, resaved: bool = True
) -> dict:
    """Write the household's export under ``out_dir/export`` and ``out_dir/truth.json``; return
    the truth (per profile) with the export's path."""
    if years < 4:
        raise ValueError("a personal export needs at least 4 years (the planted stories span them)")
    out_dir = Path(out_dir)
    profiles = _household(start, years, seed, resaved)
    export = out_dir / "export"
    rows = [row for p in profiles for row in p.rows]
    rows.sort(key=lambda r: (r["Profile Name"], _sort_key(r["Start Time"], resaved)), reverse=True)
    placeholders = [
        {
            **rows[k],
            "Start Time": PLACEHOLDER_START,
            "Duration": "00:00:04",
            "Latest Bookmark": "Not latest view",
        }
        for k in (3, 50, 400)
    ]
    _write_csv(
        export / "CONTENT_INTEREST" / "ViewingActivity.csv", VIEWING_ACTIVITY_HEADER, rows + placeholders
    )
    mara = next(p for p in profiles if p.name == "Mara")
    traced = []
    for row, plan in list(zip(mara.rows, mara.plans, strict=True))[-20:]:
        end_ms = plan["play_s"] * 1000
        traces = [
            {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": plan["start_offset_ms"]},
            {
                "eventType": "stop",
                "sessionOffsetMs": end_ms,
                "mediaOffsetMs": plan["start_offset_ms"] + end_ms,
            },
        ]
        traced.append(
            {
                "Profile Name": "Mara",
                "Title Description": row["Title"],
                "Device": mara.device,
                "Playback Start Utc Ts": f"{plan['start_ts']:%Y-%m-%d %H:%M:%S}",
                "Country": mara.country,
                "Playtraces": json.dumps(traces),
            }
        )
    _write_csv(
        export / "CONTENT_INTEREST" / "PlaybackRelatedEvents.csv",
        ["Profile Name", "Title Description", "Device", "Playback Start Utc Ts", "Country", "Playtraces"],
        traced,
    )
    history = [
        {"Title": row["Title"], "Date": f"{p['start_ts'].month}/{p['start_ts'].day}/{p['start_ts']:%y}"}
        for row, p in zip(mara.rows, mara.plans, strict=True)
        if not row["Supplemental Video Type"]
    ]
    _write_csv(export / "NetflixViewingHistory.csv", ["Title", "Date"], list(reversed(history)))
    result = {
        "export": str(export),
        "years": years,
        "first_date": start.isoformat(),
        "resaved": resaved,
        "placeholder_rows": len(placeholders),
        "profiles": _truth(profiles),
    }
    (out_dir / "truth.json").write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    return result


def _sort_key(text: str, resaved: bool) -> datetime:
    return datetime.strptime(text, "%m/%d/%Y %H:%M" if resaved else "%Y-%m-%d %H:%M:%S")
