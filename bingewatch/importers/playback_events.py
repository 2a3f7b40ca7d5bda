"""PlaybackRelatedEvents.csv -> playback sessions from Netflix's own playback traces.

Each row is one playback: ``Playtraces`` is a JSON array of
``{"eventType", "sessionOffsetMs", "mediaOffsetMs"}``; each trace becomes one event at
Playback Start Utc Ts + sessionOffsetMs with its media offset. Event types are mapped by
:data:`EVENT_TYPE_MAP` (case and ``_``/``-`` ignored); a trace of any other type is left out
and counted. ``[]`` (no traces) gives no session and is counted as skipped. The export does not
say whether a playback was autoplayed: every session is imported as started by the viewer
(``autoplay`` false), so it is interactive and never unattended. Traces hold state changes,
not the client's 60 s heartbeats: :func:`fill_heartbeats` adds them while the trace says the
title was playing, so the pipeline's 300 s gap cap does not cut real viewing short.
"""

from __future__ import annotations

import json
from datetime import timedelta

from .csvfile import ExportFile
from .dates import PLACEHOLDER, MixedDateOrder, add_ms, is_placeholder, parse_timestamp, slash_order
from .errors import at_line
from .fields import clean, parse_country
from .model import Event, FormatResult, Session, SessionIds
from .titles import parse_title

APP_VERSION = "netflix-export:PlaybackRelatedEvents"
HEARTBEAT_MS = 60_000
WATCHING = frozenset({"start", "playing", "heartbeat", "reposition"})

# Our event type <- Netflix eventTypes, compared lowercase without "_" and "-" (docs/importing.md).
_NETFLIX_EVENT_TYPES = {
    "start": ("start", "started", "playbackstart"),
    "playing": ("play", "playing", "resume", "resumed", "unpause"),
    "paused": ("pause", "paused"),
    "reposition": ("reposition", "repositioned", "seek", "seeked", "skip"),
    "heartbeat": ("heartbeat", "keepalive", "progress"),
    "stopped": ("stop", "stopped", "end", "ended", "endplay", "playbackend"),
}
EVENT_TYPE_MAP = {name: ours for ours, names in _NETFLIX_EVENT_TYPES.items() for name in names}


def map_event_type(value: str) -> str | None:
    """The contract's event type for a Netflix eventType, None when unknown."""
    return EVENT_TYPE_MAP.get(value.strip().lower().replace("_", "").replace("-", ""))


def _integer(value, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{name} {value!r} is not a number")
    return int(round(number))


def parse_playtraces(text: str) -> list[tuple[str, int, int | None]]:
    """(eventType, sessionOffsetMs, mediaOffsetMs) per trace; ValueError when malformed."""
    try:
        traces = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as error:
        raise ValueError(f"Playtraces is not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(traces, list):
        raise ValueError("Playtraces is not a JSON array")
    parsed = []
    for number, trace in enumerate(traces, start=1):
        if not isinstance(trace, dict) or not isinstance(trace.get("eventType"), str):
            raise ValueError(f"Playtraces item {number} has no eventType")
        session_offset = _integer(trace.get("sessionOffsetMs"), f"Playtraces item {number} sessionOffsetMs")
        if session_offset is None:
            raise ValueError(f"Playtraces item {number} has no sessionOffsetMs")
        media_offset = _integer(trace.get("mediaOffsetMs"), f"Playtraces item {number} mediaOffsetMs")
        parsed.append((trace["eventType"], session_offset, media_offset))
    return parsed


def fill_heartbeats(events: list[Event]) -> tuple[list[Event], int]:
    """Add the 60 s heartbeats a live client sends while playing, which the export leaves out.

    Between a watching event (start, playing, heartbeat, reposition) and the next event, a
    heartbeat every 60 s for as long as the media offset advanced (the whole gap when an offset
    is unknown); nothing after the first ``stopped``. Without them the pipeline would cap every
    longer stretch of playing at 300 s (docs/definitions.md). Returns (events, heartbeats added).
    """
    filled: list[Event] = []
    added = 0
    for position, current in enumerate(events):
        filled.append(current)
        if current.event_type == "stopped":
            filled.extend(events[position + 1 :])
            break
        following = events[position + 1] if position + 1 < len(events) else None
        if following is None or current.event_type not in WATCHING:
            continue
        gap_ms = (following.event_ts - current.event_ts) // timedelta(milliseconds=1)
        span_ms = gap_ms
        if current.media_offset_ms is not None and following.media_offset_ms is not None:
            span_ms = min(gap_ms, max(0, following.media_offset_ms - current.media_offset_ms))
        for elapsed in range(HEARTBEAT_MS, span_ms, HEARTBEAT_MS):
            offset = None if current.media_offset_ms is None else current.media_offset_ms + elapsed
            filled.append(Event("heartbeat", add_ms(current.event_ts, elapsed), offset))
            added += 1
    return filled, added


def parse(
    export: ExportFile,
    account_id: str,
    result: FormatResult,
    seen: set,
    skip_profiles: frozenset[str] = frozenset(),
) -> None:
    """Validate and convert every row of one PlaybackRelatedEvents file into ``result``.

    Rows of profiles in ``skip_profiles`` (already imported from ViewingActivity.csv in the same
    import) are validated but not imported, so no viewing is counted twice.
    """
    label = export.label
    try:
        order, _ = slash_order((line, row["Playback Start Utc Ts"]) for line, row in export.rows)
    except MixedDateOrder as error:
        raise at_line(label, error.line, f"Playback Start Utc Ts {error}") from None
    session_ids = SessionIds("PlaybackRelatedEvents", account_id)

    for line, row in export.rows:
        result.rows_read += 1
        try:
            profile = clean(row["Profile Name"])
            if profile is None:
                raise ValueError("Profile Name is empty")
            title_text = clean(row["Title Description"])
            if title_text is None:
                raise ValueError("Title Description is empty")
            try:
                start = parse_timestamp(row["Playback Start Utc Ts"], order)
            except ValueError as error:
                raise ValueError(f"Playback Start Utc Ts {error}") from None
            country = parse_country(row["Country"])
            traces = parse_playtraces(row["Playtraces"])
        except ValueError as error:
            raise at_line(label, line, str(error)) from None
        if is_placeholder(start):
            result.skipped[PLACEHOLDER] += 1
            continue
        device = clean(row["Device"])
        parsed = parse_title(title_text)

        if profile in skip_profiles:
            result.skipped["profile_imported_from_viewing_activity"] += 1
            continue
        identity = (profile, start, parsed.title_id, device, row["Playtraces"].strip())
        if identity in seen:
            result.skipped["duplicate_row"] += 1
            continue
        seen.add(identity)
        evidence = result.title(parsed)
        if not traces:
            result.skipped["empty_playtraces"] += 1
            continue
        events = []
        for event_type, session_offset, media_offset in sorted(traces, key=lambda t: t[1]):
            mapped = map_event_type(event_type)
            if mapped is None:
                result.notes[f"unknown eventType left out: {event_type}"] += 1
                continue
            events.append(Event(mapped, add_ms(start, session_offset), media_offset))
            if media_offset is not None:
                evidence.max_media_offset_ms = max(evidence.max_media_offset_ms, media_offset)
        if not events:
            result.skipped["no_known_event_types"] += 1
            continue
        events, added = fill_heartbeats(events)
        if added:
            result.notes["heartbeats added between playtraces"] += added

        session_id = session_ids.next(profile, start, parsed.title_id)
        result.sessions.append(
            Session(
                playback_session_id=session_id,
                profile_name=profile,
                title_id=parsed.title_id,
                device_type=device,
                country=country,
                autoplay=False,
                app_version=APP_VERSION,
                events=events,
            )
        )
        result.saw_profile(profile, min(e.event_ts for e in events), country)
