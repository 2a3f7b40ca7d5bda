"""Planted viewers: hand-written schedules with known answers, placed inside the generated window.

Each case is a small Python schedule (a loop over at most a few hundred sessions) that yields
session plans in the same shape as background plans, so both expand to events the same way.
Every planted session is interactive (user-started, or autoplay with a pause) except the
unattended-TV chain. Cases that need more days than generated are listed as not planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .population import COUNTRY_OF_ZONE, planted_created_at

QB_RUNTIME, NS_RUNTIME, HL_RUNTIME = 660, 2700, 2400


def planted_titles(start_date: date) -> list[dict]:
    """The planted shows: short and long series, the daily film, and plain features."""
    rel = start_date - timedelta(days=400)
    out = []

    def series(prefix, sid, name, seasons, eps, runtime):
        for s in range(1, seasons + 1):
            for e in range(1, eps + 1):
                out.append(
                    dict(
                        title_id=f"tt-{prefix}-s{s:02d}e{e:02d}",
                        title_type="episode",
                        series_id=sid,
                        series_title=name,
                        season_number=s,
                        episode_number=e,
                        title=f"{name}: Season {s}: Part {e} (Episode {e})",
                        runtime_s=runtime,
                        release_date=rel + timedelta(days=30 * s + e),
                    )
                )

    series("qb", "se-quick-bites", "Quick Bites", 10, 24, QB_RUNTIME)
    series("ns", "se-night-shift", "Night Shift", 4, 20, NS_RUNTIME)
    series("hl", "se-harbor-lights", "Harbor Lights", 3, 12, HL_RUNTIME)
    out.append(
        dict(
            title_id="tt-a-winter-crown",
            title_type="film",
            series_id=None,
            series_title=None,
            season_number=None,
            episode_number=None,
            title="A Winter Crown",
            runtime_s=5520,
            release_date=rel,
        )
    )
    for i in range(1, 61):
        out.append(
            dict(
                title_id=f"tt-pf-{i:03d}",
                title_type="film",
                series_id=None,
                series_title=None,
                season_number=None,
                episode_number=None,
                title=f"Feature Presentation {i}",
                runtime_s=7200,
                release_date=rel + timedelta(days=i),
            )
        )
    return out


@dataclass
class Viewer:
    """One planted profile and the sessions it plays."""

    profile_id: str
    time_zone: str
    role: str
    rule: str | None
    expected: str  # "notable", "near_miss" or "not_notable"
    description: str
    device: str = "Samsung Smart TV"
    opt_out: bool = False
    erased: bool = False
    sessions: list = field(default_factory=list)

    def local(self, d: date, hh: int, mm: int = 0) -> datetime:
        """UTC (naive) instant of a local wall time on local date d."""
        aware = datetime.combine(d, time(hh, mm), tzinfo=ZoneInfo(self.time_zone))
        return aware.astimezone(UTC).replace(tzinfo=None)

    def play(
        self,
        start: datetime,
        title_id: str,
        runtime_s: int,
        play_s: int,
        *,
        autoplay: bool = False,
        pause: tuple[int, int] | None = None,
        late_days: int = 0,
    ) -> datetime:
        """Add one session; return when it ends (UTC)."""
        pause_at, pause_len = pause if pause else (None, 0)
        assert 0 < play_s <= runtime_s, "a planted session must stay inside its title's runtime"
        assert pause_at is None or (pause_at % 60 != 0 and pause_at < play_s)
        self.sessions.append(
            dict(
                session_id=f"ps-{self.profile_id}-{len(self.sessions):04d}",
                profile_id=self.profile_id,
                title_id=title_id,
                runtime_s=runtime_s,
                device_type=self.device,
                autoplay=autoplay,
                start_ts=start,
                play_s=play_s,
                start_offset_ms=0,
                pause_at_s=pause_at,
                pause_len_s=pause_len,
                seek_at_s=None,
                seek_back_ms=0,
                late_days=late_days,
            )
        )
        return start + timedelta(seconds=play_s + pause_len)


def _qb(n: int) -> str:
    return f"tt-qb-s{n // 24 + 1:02d}e{n % 24 + 1:02d}"


def _ns(n: int) -> str:
    return f"tt-ns-s{(n % 80) // 20 + 1:02d}e{n % 20 + 1:02d}"


def _hl(n: int) -> str:
    return f"tt-hl-s{(n % 36) // 12 + 1:02d}e{n % 12 + 1:02d}"


def _binge_day(v: Viewer, d: date, n_eps: int, first_ep: int, per_sitting: int = 14) -> int:
    """n_eps Quick Bites episodes from 07:30 local, sittings of 14 with 45-min breaks (no marathon).
    Odd sessions autoplay but contain a pause, so every session is interactive."""
    t = v.local(d, 7, 30)
    ep = first_ep
    for k in range(n_eps):
        odd = k % 2 == 1
        end = v.play(t, _qb(ep), QB_RUNTIME, 650, autoplay=odd, pause=(307, 20) if odd else None)
        ep += 1
        t = end + timedelta(seconds=8 if (k + 1) % per_sitting else 2700)
    return ep


def _marathon(
    v: Viewer,
    t0: datetime,
    span_s: int,
    over: bool,
    first_ep: int = 0,
    late: tuple[int, int, int] | None = None,
) -> datetime:
    """Night Shift episodes from t0 with gaps of 1-25 min (all <= 30 min, so one block).
    over=True: add sessions until the span reaches span_s; else end one minute short of it.
    late=(first, last, days): sessions with index first..last arrive `days` late."""
    gaps = [120, 300, 1500, 60, 240, 180]
    t, k = t0, 0
    while True:
        pause = (1207, 600) if k % 5 == 2 else None
        dur = 2690 + (pause[1] if pause else 0)
        if not over and (t - t0).total_seconds() + dur > span_s:
            # finish just under the span with a partial episode: a near miss by one minute
            left = int(span_s - (t - t0).total_seconds()) - 60
            while left >= 300:
                end = v.play(t, _ns(first_ep + k), NS_RUNTIME, min(left, 2690))
                k += 1
                t = end + timedelta(seconds=60)
                left = int(span_s - (t - t0).total_seconds())
            break
        late_days = late[2] if late and late[0] <= k <= late[1] else 0
        end = v.play(t, _ns(first_ep + k), NS_RUNTIME, 2690, pause=pause, late_days=late_days)
        k += 1
        if over and (end - t0).total_seconds() >= span_s:
            break
        t = end + timedelta(seconds=gaps[k % len(gaps)])
    return t


def _films_day(v: Viewer, d: date, first_film: int, hours: int) -> int:
    """`hours` h of features from 07:00 local in 4-h sittings (two films) with 45-min breaks."""
    t, film, left = v.local(d, 7, 0), first_film, hours * 3600
    while left > 0:
        for _ in range(2):
            if left <= 0:
                break
            play = min(7200, left)
            end = v.play(t, f"tt-pf-{film % 60 + 1:03d}", 7200, play)
            film, left = film + 1, left - play
            t = end + timedelta(seconds=120)
        t = end + timedelta(seconds=2700)
    return film


def _dst_date(zone: str, start_date: date, days: int) -> date | None:
    """First local date inside the window (not the first one) on which `zone` changes offset."""
    tz = ZoneInfo(zone)
    for k in range(1, days):
        d = start_date + timedelta(days=k)
        a = datetime.combine(d, time(0), tzinfo=tz).utcoffset()
        b = datetime.combine(d, time(12), tzinfo=tz).utcoffset()
        if a != b:
            return d
    return None


def plan(start_date: date, days: int) -> tuple[list[Viewer], list[dict]]:
    """Build every planted viewer that fits in `days`; return (viewers, not_planted)."""
    sd = start_date
    D = lambda k: sd + timedelta(days=k)  # noqa: E731
    last = days - 1
    viewers: list[Viewer] = []
    skipped: list[dict] = []

    def skip(pid, role, why):
        skipped.append({"profile_id": pid, "role": role, "reason": why})

    # --- episodes_7d ---------------------------------------------------------------------------
    v = Viewer(
        "planted-binger-1",
        "Europe/Berlin",
        "binger",
        "episodes_7d",
        "notable",
        "Quick Bites (11-min episodes): 188 in 4 days from day 2 (55 a day when under 7 days)",
    )
    if days >= 7:
        ep = 0
        for k in range(1, 5):
            ep = _binge_day(v, D(k), 47, ep)
    else:
        ep = 0
        for k in range(min(days, 3)):
            ep = _binge_day(v, D(k), 55, ep)
        if days < 2:
            v.expected = "not_notable"
    viewers.append(v)

    v = Viewer(
        "planted-binger-near-1",
        "Europe/London",
        "binger_near_miss",
        "episodes_7d",
        "near_miss",
        "95 distinct Quick Bites episodes in the best 7-day window (threshold 100)",
        device="iPad",
    )
    first = 2 if days >= 7 else 0
    n_days = min(days - first, 4)
    counts = {4: [24, 24, 24, 23], 3: [32, 32, 31], 2: [32, 32], 1: [32]}[n_days]
    ep = 0
    for k, n in enumerate(counts):
        ep = _binge_day(v, D(first + k), n, ep)
    viewers.append(v)

    # --- watch_hours_7d ------------------------------------------------------------------------
    for pid, zone, hours, expected, role, desc in [
        (
            "planted-watcher-1",
            "Europe/Berlin",
            12,
            "notable",
            "watch_hours",
            "12 h of films a day for 6 days = 72 h in 7 days, in 4-h sittings (no marathon)",
        ),
        (
            "planted-watcher-near-1",
            "Europe/London",
            11,
            "near_miss",
            "watch_hours_near_miss",
            "11 h a day for 6 days = 66 h in 7 days (threshold 70)",
        ),
    ]:
        if days < 6:
            skip(pid, role, "needs at least 6 days")
            continue
        v = Viewer(pid, zone, role, "watch_hours_7d", expected, desc, device="LG Smart TV")
        first = 8 if days >= 14 else 0
        film = 0
        for k in range(6):
            film = _films_day(v, D(first + k), film, hours)
        viewers.append(v)

    # --- title_streak --------------------------------------------------------------------------
    if days >= 18:
        v = Viewer(
            "planted-streak-1",
            "America/New_York",
            "streak",
            "title_streak",
            "notable",
            "A Winter Crown every local day from day 1 (19 days when possible), across US DST",
            device="Roku",
        )
        for k in range(min(days, 19)):
            play = 5510 if k % 3 == 0 else 1200 + 60 * (k % 20)
            v.play(
                v.local(D(k), 12, 30),
                "tt-a-winter-crown",
                5520,
                play,
                pause=(607, 240) if k % 4 == 1 else None,
            )
        viewers.append(v)
    else:
        skip("planted-streak-1", "streak", "needs at least 18 days")
    if days >= 16:
        v = Viewer(
            "planted-streak-near-1",
            "Europe/London",
            "streak_near_miss",
            "title_streak",
            "near_miss",
            "a new Harbor Lights episode on 16 local days running, a day off, then more days "
            "(a series followed daily: no title streak at all)",
            device="Chrome",
        )
        n = 0
        for k in list(range(16)) + list(range(17, min(days, 21))):
            v.play(v.local(D(k), 19, 0), _hl(n), HL_RUNTIME, 2390)
            n += 1
        viewers.append(v)
    else:
        skip("planted-streak-near-1", "streak_near_miss", "needs at least 16 days")
    if days >= 18:
        v = Viewer(
            "planted-streak-near-2",
            "Asia/Tokyo",
            "streak_near_miss_short_day",
            "title_streak",
            "near_miss",
            "the same film 17 days running, then one day of only 540 s (< 600 s), then more days",
            device="iPhone",
        )
        for k in range(min(days, 21)):
            v.play(v.local(D(k), 20, 0), "tt-pf-050", 7200, 540 if k == 17 else 900)
        viewers.append(v)
    else:
        skip("planted-streak-near-2", "streak_near_miss_short_day", "needs at least 18 days")

    # --- marathon ------------------------------------------------------------------------------
    v = Viewer(
        "planted-marathon-1",
        "UTC",
        "marathon",
        "marathon",
        "notable",
        "13 h of Night Shift from 08:00 local with gaps up to 25 min",
    )
    _marathon(v, v.local(D(0), 8, 0), 13 * 3600, over=True)
    viewers.append(v)
    v = Viewer(
        "planted-marathon-near-1",
        "Europe/Berlin",
        "marathon_near_miss",
        "marathon",
        "near_miss",
        "an 11 h 29 min block (threshold 12 h)",
        device="Fire TV Stick",
    )
    _marathon(v, v.local(D(min(1, last)), 8, 0), int(11.5 * 3600), over=False)
    viewers.append(v)
    v = Viewer(
        "planted-marathon-gap-1",
        "Europe/London",
        "marathon_gap_near_miss",
        "marathon",
        "near_miss",
        "two 6.5-h blocks split by a 35-min gap (> 30 min): no 12-h block",
        device="Apple TV",
    )
    t = _marathon(v, v.local(D(min(1, last)), 7, 0), int(6.5 * 3600), over=False)
    _marathon(
        v,
        v.sessions[-1]["start_ts"] + timedelta(seconds=2690 + 2100),
        int(6.5 * 3600),
        over=False,
        first_ep=20,
    )
    viewers.append(v)
    if days >= 2:
        v = Viewer(
            "planted-midnight-1",
            "Europe/London",
            "marathon_across_midnight",
            "marathon",
            "notable",
            "13 h from 18:00 local to the next morning: one row on the date it ends",
            device="PlayStation 5",
        )
        _marathon(v, v.local(D(0), 18, 0), 13 * 3600, over=True)
        viewers.append(v)
        v = Viewer(
            "planted-late-1",
            "Asia/Tokyo",
            "late_marathon",
            "marathon",
            "notable",
            f"13 h on local day 1; the middle sessions arrive {min(2, last)} days late, so the block "
            "is 12 h+ only once they arrive",
            device="Android Phone",
        )
        _marathon(v, v.local(D(0), 9, 30), 13 * 3600, over=True, late=(5, 9, min(2, last)))
        viewers.append(v)
    else:
        skip("planted-midnight-1", "marathon_across_midnight", "needs at least 2 days")
        skip("planted-late-1", "late_marathon", "needs at least 2 days")
    # A DST change inside the window: the US one if any, else the EU one.
    dst, zones = None, None
    for notable_zone, near_zone in (
        ("America/New_York", "America/Los_Angeles"),
        ("Europe/Berlin", "Europe/London"),
    ):
        dst = _dst_date(notable_zone, sd, days)
        if dst is not None:
            zones = (notable_zone, near_zone)
            break
    if dst is not None:
        v = Viewer(
            "planted-dst-1",
            zones[0],
            "marathon_across_dst",
            "marathon",
            "notable",
            f"from 19:00 local on {dst - timedelta(days=1)} to 09:00 local on {dst} "
            "(13 real hours on a spring-forward night, 15 on a fall-back one)",
            device="Samsung Smart TV",
        )
        _marathon(
            v,
            v.local(dst - timedelta(days=1), 19, 0),
            int((v.local(dst, 9, 0) - v.local(dst - timedelta(days=1), 19, 0)).total_seconds()),
            over=True,
        )
        viewers.append(v)
        v = Viewer(
            "planted-dst-near-1",
            zones[1],
            "marathon_dst_near_miss",
            "marathon",
            "near_miss",
            "11 h 44 min real from 20:30 local across the DST change (local clocks show "
            "12 h 44 min on a spring-forward night)",
            device="Xbox Series X",
        )
        _marathon(v, v.local(dst - timedelta(days=1), 20, 30), int(11.75 * 3600), over=False)
        viewers.append(v)
    else:
        skip("planted-dst-1", "marathon_across_dst", "no US or EU DST change inside the window")
        skip("planted-dst-near-1", "marathon_dst_near_miss", "no US or EU DST change inside the window")

    # --- unattended TV ------------------------------------------------------------------------
    v = Viewer(
        "planted-tv-1",
        "Europe/Berlin",
        "unattended_tv",
        None,
        "not_notable",
        "one user-started Harbor Lights episode, then 20 autoplayed ones with no interaction "
        "(about 14 h raw, at most about 2 h attended)",
        device="Samsung Smart TV",
    )
    t = v.local(D(0), 8, 0)
    for k in range(21):
        end = v.play(t, _hl(k), HL_RUNTIME, 2390, autoplay=k > 0)
        t = end + timedelta(seconds=7)
    viewers.append(v)

    # --- ordinary viewers with known numbers -----------------------------------------------------
    v = Viewer(
        "planted-ordinary-1",
        "Europe/Berlin",
        "ordinary_known_day",
        None,
        "not_notable",
        "day 1: one Harbor Lights episode (2,390 s with a 300-s pause) and 1,800 s of a film: "
        "watch_time_s 4,190",
        device="Chrome",
    )
    v.play(v.local(D(0), 19, 0), _hl(0), HL_RUNTIME, 2390, pause=(1207, 300))
    v.play(v.local(D(0), 21, 0), "tt-pf-040", 7200, 1800)
    viewers.append(v)
    v = Viewer(
        "planted-ordinary-2",
        "Europe/Berlin",
        "ordinary_across_midnight",
        None,
        "not_notable",
        "one 3,600-s film session from 23:30 local: 1,800 s on each of two local dates",
        device="iPad",
    )
    v.play(v.local(D(0), 23, 30), "tt-pf-041", 7200, 3600)
    viewers.append(v)

    # --- excluded by privacy rules ---------------------------------------------------------------
    v = Viewer(
        "planted-optout-1",
        "UTC",
        "opted_out_marathon",
        "marathon",
        "excluded",
        "a 13-h marathon by a profile with analytics_opt_out: never in notable viewers",
        opt_out=True,
    )
    _marathon(v, v.local(D(min(1, last)), 8, 0), 13 * 3600, over=True)
    viewers.append(v)
    v = Viewer(
        "planted-erased-1",
        "UTC",
        "erased_marathon",
        "marathon",
        "excluded",
        "a 13-h marathon on an account with an erasure request: disappears everywhere",
        erased=True,
        device="Safari",
    )
    _marathon(v, v.local(D(min(2, last)), 8, 0), 13 * 3600, over=True)
    viewers.append(v)

    # --- title_streak: a series followed daily (appended last: the others keep their accounts) --
    if days >= 18:
        v = Viewer(
            "planted-series-daily-1",
            "Europe/Berlin",
            "streak_near_miss_series_daily",
            "title_streak",
            "near_miss",
            "two new Night Shift episodes every evening for 20 local days (fewer when days < 20): "
            "following one series daily, never the same title twice, so no title streak",
            device="LG Smart TV",
        )
        for k in range(min(days, 20)):
            end = v.play(v.local(D(k), 20, 15), _ns(2 * k), NS_RUNTIME, 2690)
            v.play(end + timedelta(seconds=90), _ns(2 * k + 1), NS_RUNTIME, 2690)
        viewers.append(v)
    else:
        skip("planted-series-daily-1", "streak_near_miss_series_daily", "needs at least 18 days")
    return viewers, skipped


def profile_rows(
    viewers: list[Viewer], start_date: date, accounts: list[str], new_account: str
) -> list[dict]:
    """Planted profiles: in ordinary background accounts (`accounts`, sorted), except the erased
    one, which gets `new_account` of its own."""
    rows = []
    for k, v in enumerate(viewers):
        account = new_account if v.erased else accounts[(k * 7) % len(accounts)]
        rows.append(
            dict(
                profile_id=v.profile_id,
                account_id=account,
                time_zone=v.time_zone,
                country=COUNTRY_OF_ZONE[v.time_zone],
                created_at=planted_created_at(start_date, k),
                analytics_opt_out=v.opt_out,
            )
        )
    return rows
