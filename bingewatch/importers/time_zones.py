"""A profile's time zone from the export's ``Country`` column, via the tz database's country table.

Exports record no time zone, but every row carries a country (``DE (Germany)``). The tz database
lists the zones of each country in ``zone.tab`` (ISO 3166 code, coordinates, zone): that table,
not a hand-written map, decides. It is read from the ``tzdata`` package installed with
bingewatch (a wheel, so a fresh machine without ``/usr/share/zoneinfo`` has it too), else from
the system's tz database.

``zone.tab`` lists zones that differed at some time in history, so some countries list zones
that keep the same clock today (Germany: Europe/Berlin and Europe/Busingen, identical since
1980). Zones whose UTC offsets agree over the viewing being imported are one choice, and the
first of them in zone.tab's order stands for them (any of them gives the same local days). A country
left with one choice gets it; one with several (US, CA, BR, AU, RU, ES, PT...) refuses the
import, naming the candidates and how to choose.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

SYSTEM_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
# How finely two zones' clocks are compared over the viewing range: every DST change of the
# last decades happens on the hour, so three-hourly samples see any day on which they differ.
_SAMPLE_STEP = timedelta(hours=3)


def _zone_tab_text() -> str:
    try:
        from importlib.resources import files

        return files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return SYSTEM_ZONE_TAB.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def country_zones() -> dict[str, tuple[str, ...]]:
    """ISO 3166 alpha-2 code -> its zones, in the tz database's order (zone.tab)."""
    table: dict[str, list[str]] = {}
    for line in _zone_tab_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table.setdefault(fields[0].strip().upper(), []).append(fields[2].strip())
    return {code: tuple(zones) for code, zones in table.items()}


def _offsets(zone: str, first: datetime, last: datetime) -> tuple:
    tz = zoneinfo.ZoneInfo(zone)
    out, at = [], first
    while at <= last:
        out.append(at.astimezone(tz).utcoffset())
        at += _SAMPLE_STEP
    return tuple(out)


def candidate_zones(country: str, first: datetime, last: datetime) -> tuple[str, ...]:
    """The distinct clocks of ``country`` between two UTC instants (naive or aware): one zone
    per group of zones whose offsets agree all along, the first of the group in zone.tab."""
    day = timedelta(days=1)
    first = (first.replace(tzinfo=UTC) if first.tzinfo is None else first).astimezone(UTC)
    last = (last.replace(tzinfo=UTC) if last.tzinfo is None else last).astimezone(UTC)
    return _candidates(country.upper(), first.date() - day, last.date() + day)


@lru_cache(maxsize=256)
def _candidates(country: str, first_day, last_day) -> tuple[str, ...]:
    zones = country_zones().get(country, ())
    if len(zones) <= 1:
        return zones
    first = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(last_day, datetime.min.time(), tzinfo=UTC)
    seen: dict[tuple, str] = {}
    for zone in zones:
        seen.setdefault(_offsets(zone, first, last), zone)
    return tuple(seen.values())


class TimeZoneChoice:
    """What ``--time-zone`` said: one zone for every profile, and/or ``Name=Zone`` per profile."""

    def __init__(self, values: str | Iterable[str] | None):
        self.default: str | None = None
        self.per_profile: dict[str, str] = {}
        if values is None:
            return
        for value in [values] if isinstance(values, str) else values:
            name, sep, zone = value.rpartition("=")
            if sep and name.strip():
                self.per_profile[name.strip()] = zone.strip()
            else:
                self.default = value.strip()

    def zones(self) -> list[str]:
        """Every zone named (to validate before anything is read)."""
        return ([self.default] if self.default else []) + list(self.per_profile.values())

    def given(self, profile: str) -> str | None:
        return self.per_profile.get(profile, self.default)


def resolve(
    choice: TimeZoneChoice,
    profiles: dict[str, tuple[str | None, datetime, datetime]],
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Each profile's zone: (profile -> zone, profile -> how it was chosen, refusals).

    ``profiles``: name -> (most frequent country code or None, first and last viewing, UTC).
    A refusal is one line per country naming its candidate zones, its profiles and how to
    choose; the caller raises them together before anything is written.
    """
    zones, how = {}, {}
    undecided: dict[str, list[str]] = {}
    candidates_of: dict[str, tuple[str, ...]] = {}
    for name in sorted(profiles):
        country, first, last = profiles[name]
        given = choice.given(name)
        if given:
            zones[name], how[name] = given, "given with --time-zone"
            continue
        if not country:
            zones[name], how[name] = "UTC", "no Country in the export: UTC (give --time-zone)"
            continue
        candidates = candidate_zones(country, first, last)
        if len(candidates) == 1:
            zones[name] = candidates[0]
            how[name] = f"from Country {country}: the tz database's only zone for it"
        elif not candidates:
            zones[name], how[name] = "UTC", f"Country {country} has no tz database zone: UTC"
        else:
            undecided.setdefault(country, []).append(name)
            candidates_of[country] = candidates
    refusals = [
        f"Country {country} has {len(candidates_of[country])} time zones "
        f"({', '.join(candidates_of[country])}) and the export does not say which: choose with "
        f'--time-zone ZONE, or per profile --time-zone "{names[0]}={candidates_of[country][0]}" '
        f"(repeatable; profiles from {country}: {', '.join(names)})"
        for country, names in sorted(undecided.items())
    ]
    return zones, how, refusals
