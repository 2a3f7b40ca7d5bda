"""What every export format is turned into before anything is written: sessions of events,
titles with the evidence for their runtime, and counts of what was skipped and why."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bingewatch.contract import EVENT_TYPES  # noqa: F401 (re-exported: the importers write these)

from .titles import ParsedTitle


def stable_hash(*parts: object, length: int = 24) -> str:
    """Hex sha256 of the parts (unit-separated): the same input gives the same id on every import."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:length]


def profile_id_for(account_id: str, profile_name: str) -> str:
    """A profile's id: stable per account and profile name ("nf-" + 16 hex digits)."""
    return "nf-" + stable_hash(account_id, profile_name, length=16)


class SessionIds:
    """Stable playback_session_ids for one export file: a hash of the source format, profile,
    start and title, numbered among identical rows so a newer export keeps the same ids."""

    def __init__(self, source: str, account_id: str) -> None:
        self.source = source
        self.account_id = account_id
        self.seen: dict[tuple, int] = {}

    def next(self, profile_name: str, start: datetime, title_id: str) -> str:
        key = (profile_name, start, title_id)
        occurrence = self.seen[key] = self.seen.get(key, -1) + 1
        profile_id = profile_id_for(self.account_id, profile_name)
        return "nf-ps-" + stable_hash(self.source, profile_id, start.isoformat(), title_id, occurrence)


@dataclass(slots=True)
class Event:
    event_type: str
    event_ts: datetime
    media_offset_ms: int | None


@dataclass
class Session:
    """One synthetic or traced playback session (one export row)."""

    playback_session_id: str
    profile_name: str
    title_id: str
    device_type: str | None
    country: str | None
    autoplay: bool
    app_version: str
    events: list[Event]


@dataclass
class TitleEvidence:
    """A parsed title plus what the exports say about its length (runtime is not exported)."""

    parsed: ParsedTitle
    max_bookmark_s: int = 0
    max_duration_s: int = 0
    max_media_offset_ms: int = 0

    def runtime_s(self) -> int | None:
        """Largest Bookmark or media offset reached, else longest Duration; None if unknown.

        Never below an offset the import writes: the pipeline quarantines offsets beyond the
        runtime (plus 60 s) as absurd.
        """
        reached = max(self.max_bookmark_s, -(-self.max_media_offset_ms // 1000))
        if reached > 0:
            return reached
        if self.max_duration_s > 0:
            return self.max_duration_s
        return None


@dataclass
class FormatResult:
    """Everything parsed from the files of one format."""

    rows_read: int = 0
    sessions: list[Session] = field(default_factory=list)
    titles: dict[str, TitleEvidence] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    profile_first_seen: dict[str, datetime] = field(default_factory=dict)
    profile_countries: dict[str, Counter] = field(default_factory=dict)

    def title(self, parsed: ParsedTitle) -> TitleEvidence:
        evidence = self.titles.get(parsed.title_id)
        if evidence is None:
            evidence = self.titles[parsed.title_id] = TitleEvidence(parsed)
        return evidence

    def saw_profile(self, name: str, at: datetime, country: str | None) -> None:
        if name not in self.profile_first_seen or at < self.profile_first_seen[name]:
            self.profile_first_seen[name] = at
        counts = self.profile_countries.setdefault(name, Counter())
        if country:
            counts[country] += 1
