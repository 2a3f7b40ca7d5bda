"""ViewingActivity.csv -> synthetic playback sessions (docs/importing.md).

Each row is one viewing of one title: it becomes one session with a ``start`` at Start Time, a
``heartbeat`` every 60 s, and a ``stopped`` at Start Time + Duration, so the pipeline's
intervals add up to exactly the Duration; media offsets run from Bookmark - Duration to
Bookmark. Rows for the same episode (resumes) stay separate sessions, as in the export.

Attributes: ``Autoplayed: user action: None`` (or ``Unspecified``) is autoplay without any
recorded interaction. Autoplay with any other user action (``User_Interaction`` ...) or with
``Has branched playback`` gets one ``reposition`` event (same media offset, half a heartbeat
after the start), so the pipeline sees an interactive session without losing a second of
watch time. No Autoplayed attribute: the viewer started it (autoplay false, interactive).
"""

from __future__ import annotations

import re

from .csvfile import ExportFile
from .dates import PLACEHOLDER, MixedDateOrder, add_ms, is_placeholder, parse_timestamp, slash_order
from .durations import parse_duration, two_part_mode
from .errors import at_line
from .fields import clean, parse_country
from .model import Event, FormatResult, Session, SessionIds
from .titles import parse_title

HEARTBEAT_MS = 60_000
APP_VERSION = "netflix-export:ViewingActivity"
_AUTOPLAYED = re.compile(r"^Autoplayed:\s*user action:\s*(.*)$", re.IGNORECASE)
_NO_ACTION = {"", "none", "unspecified"}


def parse_attributes(text: str) -> tuple[bool, bool, list[str]]:
    """(autoplay, interacted, attributes not understood) from ``Autoplayed: user action: None; ``."""
    autoplay = interacted = False
    unknown = []
    for item in (part.strip() for part in (text or "").split(";")):
        if not item:
            continue  # the trailing "; "
        if m := _AUTOPLAYED.match(item):
            autoplay = True
            if m.group(1).strip().lower() not in _NO_ACTION:
                interacted = True
        elif item.lower() == "has branched playback":
            interacted = True
        else:
            unknown.append(item)
    return autoplay, interacted, unknown


def session_events(start, duration_s: int, bookmark_s: int, interactive_autoplay: bool) -> list[Event]:
    """start, heartbeats every 60 s, (reposition), stopped; offsets end at the bookmark."""
    duration_ms, bookmark_ms = duration_s * 1000, bookmark_s * 1000
    first_offset = max(0, bookmark_ms - duration_ms)

    def offset(elapsed_ms: int) -> int:
        return min(first_offset + elapsed_ms, bookmark_ms) if bookmark_ms else first_offset + elapsed_ms

    events = [Event("start", start, offset(0))]
    for elapsed in range(HEARTBEAT_MS, duration_ms, HEARTBEAT_MS):
        events.append(Event("heartbeat", add_ms(start, elapsed), offset(elapsed)))
    if interactive_autoplay:
        at = min(HEARTBEAT_MS // 2, duration_ms // 2)
        events.append(Event("reposition", add_ms(start, at), offset(at)))
    events.append(Event("stopped", add_ms(start, duration_ms), offset(duration_ms)))
    events.sort(key=lambda e: e.event_ts)
    return events


def parse(export: ExportFile, account_id: str, result: FormatResult, seen: set) -> None:
    """Validate and convert every row of one ViewingActivity file into ``result``."""
    label = export.label
    try:
        order, _ = slash_order((line, row["Start Time"]) for line, row in export.rows)
    except MixedDateOrder as error:
        raise at_line(label, error.line, f"Start Time {error}") from None
    duration_mode = two_part_mode(row["Duration"] for _, row in export.rows)
    bookmark_mode = two_part_mode(row["Bookmark"] for _, row in export.rows)
    session_ids = SessionIds("ViewingActivity", account_id)

    for line, row in export.rows:
        result.rows_read += 1
        try:
            profile = clean(row["Profile Name"])
            if profile is None:
                raise ValueError("Profile Name is empty")
            title_text = clean(row["Title"])
            if title_text is None:
                raise ValueError("Title is empty")
            try:
                start = parse_timestamp(row["Start Time"], order)
            except ValueError as error:
                raise ValueError(f"Start Time {error}") from None
            duration_s = parse_duration(row["Duration"], "Duration", duration_mode)
            bookmark_text = row["Bookmark"].strip()
            bookmark_s = parse_duration(bookmark_text, "Bookmark", bookmark_mode) if bookmark_text else None
            country = parse_country(row["Country"])
        except ValueError as error:
            raise at_line(label, line, str(error)) from None
        if is_placeholder(start):
            result.skipped[PLACEHOLDER] += 1  # whatever its duration: no real viewing starts then
            continue
        autoplay, interacted, unknown = parse_attributes(row["Attributes"])
        for item in unknown:
            result.notes[f"attribute not understood: {item}"] += 1
        supplemental = clean(row["Supplemental Video Type"])
        device = clean(row["Device Type"])
        parsed = parse_title(title_text, supplemental)
        if bookmark_s is None:
            bookmark_s = duration_s  # no bookmark: assume the viewing started at the beginning

        identity = (
            profile,
            start,
            duration_s,
            parsed.title_id,
            device,
            bookmark_s,
            row["Attributes"].strip(),
        )
        if identity in seen:
            result.skipped["duplicate_row"] += 1
            continue
        seen.add(identity)
        evidence = result.title(parsed)
        evidence.max_bookmark_s = max(evidence.max_bookmark_s, bookmark_s)
        evidence.max_duration_s = max(evidence.max_duration_s, duration_s)
        if duration_s == 0:
            result.skipped["zero_duration"] += 1  # nothing was watched: no session
            continue

        events = session_events(start, duration_s, bookmark_s, autoplay and interacted)
        evidence.max_media_offset_ms = max(evidence.max_media_offset_ms, events[-1].media_offset_ms)
        session_id = session_ids.next(profile, start, parsed.title_id)
        result.sessions.append(
            Session(
                playback_session_id=session_id,
                profile_name=profile,
                title_id=parsed.title_id,
                device_type=device,
                country=country,
                autoplay=autoplay,
                app_version=APP_VERSION,
                events=events,
            )
        )
        result.saw_profile(profile, start, country)
        if supplemental:
            result.notes[f"supplemental video type {supplemental.upper()}"] += 1
