"""import_netflix: one call that reads a Netflix export (file or folder) and writes raw data.

Order of work, so nothing is ever half-imported: find the files, decode and validate every row
of every file, build all output rows in memory, write them to a staging folder, and only then
move them into place. Any malformed input raises NetflixImportError before the first write.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from . import import_records, playback_events, time_zones, viewing_activity, viewing_history
from .csvfile import (
    EXPORT_NAMES,
    PLAYBACK_EVENTS,
    VIEWING_ACTIVITY,
    VIEWING_HISTORY,
    ExportFile,
    expected_headers_text,
    read_export,
    sniff,
)
from .errors import NetflixImportError
from .fields import clean
from .model import FormatResult, TitleEvidence, profile_id_for, stable_hash
from .writer import (
    ERASURE_FILE,
    ERASURE_SCHEMA,
    EVENTS_DIR,
    EVENTS_SCHEMA,
    PROFILES_FILE,
    PROFILES_SCHEMA,
    TITLES_FILE,
    TITLES_SCHEMA,
    StagedWrite,
    events_file_name,
    read_rows,
)

DEFAULT_ACCOUNT_ID = "netflix-export"
# Names zoneinfo accepts that are not places: their meaning depends on the machine.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def _check_time_zone(time_zone: str) -> str:
    """The IANA zone name, or NetflixImportError (``localtime`` and file paths are not zones)."""
    try:
        zoneinfo.ZoneInfo(time_zone)
        known = zoneinfo.available_timezones()
        if (known and time_zone not in known) or time_zone in _NOT_ZONES:
            raise ValueError(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise NetflixImportError(
            f"time zone {time_zone!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        ) from None
    return time_zone


def _discover(path: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """(export files with their labels, ignored CSV files) for a file or a folder."""
    if path.is_file():
        return [(path, path.name)], []
    if not path.is_dir():
        raise NetflixImportError(f"{path}: no such file or folder")
    found, ignored = [], []
    for candidate in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv"):
        label = candidate.relative_to(path).as_posix()
        if sniff(candidate, label) is None:
            ignored.append(label)
        else:
            found.append((candidate, label))
    if not found:
        raise NetflixImportError(
            f"{path}: no Netflix export found in this folder (searched {len(ignored)} CSV file(s)). "
            f"Expected one of: {expected_headers_text()}"
        )
    return found, ignored


def _merge_titles(results: list[FormatResult]) -> dict[str, TitleEvidence]:
    merged: dict[str, TitleEvidence] = {}
    for result in results:
        for title_id, evidence in result.titles.items():
            into = merged.setdefault(title_id, TitleEvidence(evidence.parsed))
            into.max_bookmark_s = max(into.max_bookmark_s, evidence.max_bookmark_s)
            into.max_duration_s = max(into.max_duration_s, evidence.max_duration_s)
            into.max_media_offset_ms = max(into.max_media_offset_ms, evidence.max_media_offset_ms)
    return merged


def _title_rows(titles: dict[str, TitleEvidence], existing: list[dict]) -> list[dict]:
    """This import's titles merged into the earlier imports' (largest runtime estimate wins)."""
    rows = {row["title_id"]: row for row in existing}
    for title_id, evidence in titles.items():
        p = evidence.parsed
        runtime = evidence.runtime_s()
        earlier = rows.get(title_id, {}).get("runtime_s")
        if earlier is not None and (runtime is None or earlier > runtime):
            runtime = earlier
        rows[title_id] = {
            "title_id": title_id,
            "title_type": p.title_type,
            "series_id": p.series_id,
            "series_title": p.series_title,
            "season_number": p.season_number,
            "episode_number": p.episode_number,
            "title": p.title,
            "runtime_s": runtime,
            "release_date": None,
        }
    return [rows[k] for k in sorted(rows)]


def _main_country(countries: Counter) -> str | None:
    """The country a profile was seen in most (ties: the first by name), or None."""
    return sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if countries else None


def _profile_time_zones(
    choice: time_zones.TimeZoneChoice, activity: FormatResult, traced: FormatResult, sessions: list
) -> tuple[dict[str, str], dict[str, str]]:
    """Each profile's zone and how it was chosen; NetflixImportError for a country with several."""
    span: dict[str, list] = {}
    for session in sessions:
        first, last = session.events[0].event_ts, session.events[-1].event_ts
        seen = span.setdefault(session.profile_name, [first, last])
        seen[0], seen[1] = min(seen[0], first), max(seen[1], last)
    profiles = {}
    for name, (first, last) in span.items():
        countries = activity.profile_countries.get(name, Counter()) + traced.profile_countries.get(
            name, Counter()
        )
        profiles[name] = (_main_country(countries), first, last)
    unknown = sorted(set(choice.per_profile) - set(profiles))
    if unknown:
        raise NetflixImportError(
            f"--time-zone names profile(s) not in the export: {', '.join(unknown)} "
            f"(profiles: {', '.join(sorted(profiles)) or 'none'})"
        )
    zones, how, refusals = time_zones.resolve(choice, profiles)
    if refusals:
        raise NetflixImportError(" | ".join(refusals))
    return zones, how


def _summary_zone(by_profile: dict[str, dict]) -> str:
    zones = sorted({r["time_zone"] for r in by_profile.values()})
    return zones[0] if len(zones) == 1 else ("per profile" if zones else "UTC")


@dataclass
class _ParsedExport:
    """Every row of every export file, decoded and validated (step 1)."""

    exports: list[ExportFile]
    ignored: list[str]
    by_format: dict[str, list[ExportFile]]
    activity: FormatResult = field(default_factory=FormatResult)
    traced: FormatResult = field(default_factory=FormatResult)
    history: FormatResult = field(default_factory=FormatResult)
    history_dates: list[date] = field(default_factory=list)

    @property
    def sessions(self) -> list:
        return self.activity.sessions + self.traced.sessions

    @property
    def imports_events(self) -> bool:
        return bool(self.by_format[VIEWING_ACTIVITY] or self.by_format[PLAYBACK_EVENTS])


def _account_of(account_id: str | None) -> str:
    account = (account_id if account_id is not None else DEFAULT_ACCOUNT_ID).strip()
    if not account:
        raise NetflixImportError("account id is empty")
    return account


def _read_and_validate(path: Path, account: str) -> _ParsedExport:
    """Step 1: find the export files, decode and validate every row (NetflixImportError on a
    malformed one). A profile in a ViewingActivity file is read from there only, not again from
    the PlaybackEvents files."""
    found, ignored = _discover(path)
    exports = [read_export(p, label) for p, label in found]
    parsed = _ParsedExport(
        exports, ignored, {fmt: [e for e in exports if e.format == fmt] for fmt in EXPORT_NAMES}
    )
    seen: set = set()
    for export in parsed.by_format[VIEWING_ACTIVITY]:
        viewing_activity.parse(export, account, parsed.activity, seen)
    activity_profiles = frozenset(
        name
        for e in parsed.by_format[VIEWING_ACTIVITY]
        for _, row in e.rows
        if (name := clean(row["Profile Name"]))
    )
    seen = set()
    for export in parsed.by_format[PLAYBACK_EVENTS]:
        playback_events.parse(export, account, parsed.traced, seen, skip_profiles=activity_profiles)
    for export in parsed.by_format[VIEWING_HISTORY]:
        viewing_history.parse(export, parsed.history, parsed.history_dates)
    return parsed


def _event_partitions(account: str, sessions: list) -> dict[date, list[tuple]]:
    """Step 2a: the playback events by arrival date, as tuples in EVENTS_SCHEMA's column order
    (a long export has millions of them); every day between the first and last gets one."""
    partitions: dict[date, list[tuple]] = {}
    for session in sessions:
        profile_id = profile_id_for(account, session.profile_name)
        # The pipeline orders a session's events by event_ts, then event_id: ids that end in
        # the event's position keep the export's order for events at the same instant.
        id_prefix = "nf-ev-" + stable_hash(session.playback_session_id, length=20) + "-"
        for seq, event in enumerate(session.events):
            partitions.setdefault(event.event_ts.date(), []).append(
                (
                    f"{id_prefix}{seq:06d}",  # event_id
                    account,
                    profile_id,
                    session.playback_session_id,
                    session.title_id,
                    event.event_type,
                    event.event_ts,
                    event.event_ts,  # received_at: a live client sends each event as it happens
                    event.media_offset_ms,
                    session.device_type,
                    session.country,
                    None,  # ip_address: not in any export
                    session.app_version,
                    session.autoplay,
                )
            )
    if partitions:  # every day in the range gets a partition (the nightly run expects one per day)
        day, last = min(partitions), max(partitions)
        while day <= last:
            partitions.setdefault(day, [])
            day += timedelta(days=1)
    for rows in partitions.values():
        rows.sort(key=lambda r: (r[7], r[3], r[0]))  # received_at, session, event_id
    return partitions


def _profile_rows(account: str, parsed: _ParsedExport, zone_of: dict[str, str]) -> dict[str, dict]:
    """Step 2b: profile id -> its profiles row (with ``_name``, the profile name, for the
    import record); a profile seen in both event formats keeps its earliest sighting."""
    profile_rows = []
    for result in (parsed.activity, parsed.traced):
        for name, first_seen in result.profile_first_seen.items():
            countries = result.profile_countries.get(name, Counter())
            for other in (parsed.activity, parsed.traced):
                if other is not result:
                    countries = countries + other.profile_countries.get(name, Counter())
            profile_rows.append(
                {
                    "profile_id": profile_id_for(account, name),
                    "account_id": account,
                    "time_zone": zone_of.get(name, "UTC"),
                    "country": _main_country(countries),
                    "created_at": first_seen,
                    "analytics_opt_out": False,
                    "_name": name,
                }
            )
    by_profile: dict[str, dict] = {}
    for row in profile_rows:
        kept = by_profile.get(row["profile_id"])
        if kept is None or row["created_at"] < kept["created_at"]:
            by_profile[row["profile_id"]] = row
    return by_profile


def _write_staged(
    data_dir: Path,
    file_name: str,
    partitions: dict[date, list[tuple]],
    by_profile: dict[str, dict],
    titles: dict[str, TitleEvidence],
    imports_events: bool,
) -> tuple[list[Path], list[Path]]:
    """Step 3: write everything to a staging folder, then move it into place; returns (files
    written, earlier event files of this account removed). Nothing is moved if a write fails."""
    events_root = data_dir / EVENTS_DIR
    earlier_event_files = (
        sorted(p.relative_to(data_dir) for p in events_root.glob(f"received_date=*/{file_name}"))
        if imports_events and events_root.is_dir()
        else []
    )
    new_event_files = [EVENTS_DIR / f"received_date={d.isoformat()}" / file_name for d in sorted(partitions)]
    rewritten = set(new_event_files)
    stale = [p for p in earlier_event_files if p not in rewritten]

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NetflixImportError(f"cannot create the data directory {data_dir}: {error}") from None
    staged = StagedWrite(data_dir)
    try:
        for day in sorted(partitions):
            staged.write_tuples(
                EVENTS_DIR / f"received_date={day.isoformat()}" / file_name, partitions[day], EVENTS_SCHEMA
            )
        if by_profile:
            existing = [
                r
                for r in read_rows(data_dir / PROFILES_FILE, PROFILES_SCHEMA)
                if r["profile_id"] not in by_profile
            ]
            ours = [{k: v for k, v in r.items() if k != "_name"} for r in by_profile.values()]
            staged.write(
                PROFILES_FILE, sorted(existing + ours, key=lambda r: r["profile_id"]), PROFILES_SCHEMA
            )
        if titles:
            staged.write(
                TITLES_FILE,
                _title_rows(titles, read_rows(data_dir / TITLES_FILE, TITLES_SCHEMA)),
                TITLES_SCHEMA,
            )
        erasure_dir = data_dir / ERASURE_FILE.parent
        if not (erasure_dir.is_dir() and any(erasure_dir.glob("*.parquet"))):
            staged.write(ERASURE_FILE, [], ERASURE_SCHEMA)
        staged.commit(remove=stale)
    except OSError as error:
        staged.abort()
        raise NetflixImportError(f"cannot write the import under {data_dir}: {error}") from None
    except BaseException:
        staged.abort()
        raise
    return staged.files, stale


def _by_profile_name(by_profile: dict[str, dict]) -> list[tuple[str, dict]]:
    return sorted(by_profile.items(), key=lambda kv: kv[1]["_name"])


def _write_import_record(
    data_dir: Path,
    account: str,
    account_hash: str,
    parsed: _ParsedExport,
    by_profile: dict[str, dict],
    zone_source: dict[str, str],
) -> None:
    """Step 4: the local import record (profile names -> ids, for the person's pages)."""
    import_records.write(
        data_dir,
        account,
        account_hash,
        [
            {
                "profile_name": r["_name"],
                "profile_id": pid,
                "time_zone": r["time_zone"],
                "time_zone_source": zone_source.get(r["_name"]),
                "country": r["country"],
                "formats": sorted(
                    EXPORT_NAMES[fmt]
                    for fmt, result in ((VIEWING_ACTIVITY, parsed.activity), (PLAYBACK_EVENTS, parsed.traced))
                    if r["_name"] in result.profile_first_seen
                ),
            }
            for pid, r in _by_profile_name(by_profile)
        ],
        [EXPORT_NAMES[e.format] for e in parsed.exports],
    )


def _summary(
    account: str,
    data_dir: Path,
    parsed: _ParsedExport,
    partitions: dict[date, list[tuple]],
    by_profile: dict[str, dict],
    zone_source: dict[str, str],
    titles: dict[str, TitleEvidence],
    written: tuple[list[Path], list[Path]],
) -> dict:
    """Step 5: what the import read, skipped and wrote (import_netflix's return value)."""
    results = (parsed.activity, parsed.traced, parsed.history)
    skipped = Counter()
    notes = Counter()
    for result in results:
        skipped.update(result.skipped)
        notes.update(result.notes)
    session_counts = Counter(s.profile_name for s in parsed.sessions)
    files_written, stale = written
    history_dates = parsed.history_dates
    return {
        "account_id": account,
        "time_zone": _summary_zone(by_profile),
        "data_dir": str(data_dir),
        "files": [
            {
                "path": str(e.path),
                "format": e.format,
                "export": EXPORT_NAMES[e.format],
                "encoding": e.encoding,
                "rows": len(e.rows),
            }
            for e in parsed.exports
        ],
        "files_ignored": parsed.ignored,
        "rows_read": sum(result.rows_read for result in results),
        "sessions_written": len(parsed.sessions),
        "events_written": sum(len(rows) for rows in partitions.values()),
        "rows_skipped": dict(sorted(skipped.items())),
        "history_without_duration": skipped.get("history_without_duration", 0),
        "history_dates": (
            {"first": min(history_dates).isoformat(), "last": max(history_dates).isoformat()}
            if history_dates
            else None
        ),
        "profiles": [
            {
                "profile_name": r["_name"],
                "profile_id": pid,
                "sessions": session_counts[r["_name"]],
                "time_zone": r["time_zone"],
                "time_zone_source": zone_source.get(r["_name"]),
            }
            for pid, r in _by_profile_name(by_profile)
        ],
        "titles": len(titles),
        "arrival_dates": [d.isoformat() for d in sorted(partitions)],
        "arrival_dates_with_events": sum(1 for rows in partitions.values() if rows),
        "files_written": [p.as_posix() for p in files_written],
        "files_removed": [p.as_posix() for p in stale],
        "notes": dict(sorted(notes.items())),
    }


def import_netflix(
    path: Path,
    data_dir: Path,
    *,
    time_zone: str | list[str] | None = None,
    account_id: str | None = None,
) -> dict:
    """Import a Netflix export (a CSV file or a folder searched recursively) into ``data_dir/raw``.

    Writes playback events per arrival date (the UTC date the viewing happened), the profiles
    (with their time zone, which exports do not record) and the titles, as docs/importing.md
    describes, and a local import record (``imports/``, never read by the warehouse) that maps
    profile names to profile ids for the person's pages. ``time_zone``: one IANA zone for every
    profile, and/or ``"Name=Zone"`` entries per profile (a list); a profile without one gets
    the only zone of its ``Country`` in the tz database, and a country with several zones
    refuses the import naming the candidates. Re-importing replaces this account's earlier
    import. Raises NetflixImportError (naming file, line and reason) before writing anything
    when an input is malformed. Returns a summary dict: files, rows read, sessions and events
    written, skipped rows by reason, profiles (with their time zones), titles and arrival dates.
    """
    path, data_dir = Path(path), Path(data_dir)
    choice = time_zones.TimeZoneChoice(time_zone)
    for zone in choice.zones():
        _check_time_zone(zone)
    account = _account_of(account_id)
    account_hash = stable_hash(account, length=12)

    parsed = _read_and_validate(path, account)
    sessions = parsed.sessions
    zone_of, zone_source = _profile_time_zones(choice, parsed.activity, parsed.traced, sessions)
    partitions = _event_partitions(account, sessions)
    by_profile = _profile_rows(account, parsed, zone_of)
    titles = _merge_titles([parsed.activity, parsed.traced, parsed.history])

    written = _write_staged(
        data_dir, events_file_name(account_hash), partitions, by_profile, titles, parsed.imports_events
    )
    _write_import_record(data_dir, account, account_hash, parsed, by_profile, zone_source)
    return _summary(account, data_dir, parsed, partitions, by_profile, zone_source, titles, written)
