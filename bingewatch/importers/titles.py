"""Localised title strings -> title rows of the raw contract (titles: title_id, title_type,
series_id, series_title, season_number, episode_number, title, runtime_s, release_date).

Exports name what was watched in one string, localised to the profile's language:
``The Office (U.S.): Season 3: The Convict (Episode 9)``, ``Dark: Staffel 1: Geheimnisse
(Folge 1)``, ``Money Heist: Part 1: Episode 1``, ``Stranger Things: Stranger Things 2: Chapter
One: MADMAX (Episode 1)``, ``Bird Box``. The rules, in order:

1. A segment (after the first) that names a season (``Season 3``, ``Series 2``, ``Part 1``,
   ``Staffel 1``, ``Saison 2``, ``Temporada 1``, ``Limited Series`` ...) splits the string:
   before it the series (which may itself contain ``: ``), after it the episode title.
2. Otherwise a string of three or more segments ending in an episode marker (``(Episode 9)``,
   ``(Folge 1)`` ...) is an episode: first segment the series, second the season label (its
   trailing number, if any, is the season), the rest the title.
3. Everything else is a film, titled by the whole string (``Mission: Impossible`` stays whole).

The Supplemental Video Type decides trailers, hooks and recaps; the string is still parsed so a
trailer keeps its series. ids are stable hashes of the strings, so every import of the same
title (from any export format or account) gives the same title_id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SEASON_WORDS = (
    "Season|Series|Part|Volume|Vol\\.|Book|Collection|Staffel|Teil|Saison|Partie|Temporada|Parte|"
    "Stagione|Seizoen|Deel|Sezon|Säsong|Sæson|Sesong|Kausi|Évad|Sezóna|Sezona|Sezonul|Сезон"
)
_SEASON = re.compile(rf"^(?:{_SEASON_WORDS})\s+(\d+)$", re.IGNORECASE)
_SEASON_ONLY_LABEL = re.compile(
    r"^(?:Limited Series|Miniseries|Mini-Series|Miniserie|Mini-série|Minisérie|Serie limitada|"
    r"Serie limitata|Série limitée|Limitierte Serie)$",
    re.IGNORECASE,
)
_EPISODE_WORDS = (
    "Episode|Ep\\.|Folge|Épisode|Episodio|Episódio|Aflevering|Afsnit|Avsnitt|Episod|Jakso|"
    "Odcinek|Epizod|Epizoda|Epizoda|Bölüm|Серия"
)
_EPISODE_SUFFIX = re.compile(rf"\s*\((?:{_EPISODE_WORDS})\s+(\d+)\)\s*$", re.IGNORECASE)
_EPISODE_TITLE = re.compile(rf"^(?:{_EPISODE_WORDS})\s+(\d+)$", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"(\d+)$")

# Supplemental Video Type -> title_type; anything not listed but non-blank is a trailer.
SUPPLEMENTAL_TYPES = {
    "HOOK": "hook",
    "RECAP": "recap",
    "TRAILER": "trailer",
    "TEASER_TRAILER": "trailer",
    "PROMOTIONAL": "trailer",
}


@dataclass(frozen=True)
class ParsedTitle:
    """One title row, before its runtime is estimated."""

    title_id: str
    title_type: str  # episode, film, trailer, hook, recap
    series_id: str | None
    series_title: str | None
    season_number: int | None
    episode_number: int | None
    title: str
    source_string: str


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def supplemental_title_type(video_type: str | None) -> str | None:
    """title_type for a Supplemental Video Type, None for real viewing (blank)."""
    value = (video_type or "").strip().upper()
    if not value:
        return None
    return SUPPLEMENTAL_TYPES.get(value, "trailer")


def _split_episode(rest: str) -> tuple[str, int | None]:
    """Strip an ``(Episode 9)`` suffix; a title that is only ``Episode 9`` keeps its text."""
    m = _EPISODE_SUFFIX.search(rest)
    if m:
        title = rest[: m.start()].strip()
        return (title or rest.strip()), int(m.group(1))
    m = _EPISODE_TITLE.match(rest.strip())
    if m:
        return rest.strip(), int(m.group(1))
    return rest.strip(), None


def parse_title(text: str, supplemental_type: str | None = None) -> ParsedTitle:
    """Parse one export title string (see the module docstring for the rules)."""
    full = " ".join(text.split())  # collapse stray whitespace and newlines
    parts = full.split(": ")
    series = None
    season_number = episode_number = None
    title = full
    is_episode = False

    for i in range(1, len(parts)):
        segment = parts[i].strip()
        m = _SEASON.match(segment)
        if m or _SEASON_ONLY_LABEL.match(segment):
            series = ": ".join(parts[:i]).strip()
            season_number = int(m.group(1)) if m else None
            rest = ": ".join(parts[i + 1 :])
            title, episode_number = _split_episode(rest) if rest else (segment, None)
            is_episode = True
            break
    if not is_episode and len(parts) >= 3 and _EPISODE_SUFFIX.search(full):
        series = parts[0].strip()
        number = _TRAILING_NUMBER.search(parts[1].strip())
        season_number = int(number.group(1)) if number else None
        title, episode_number = _split_episode(": ".join(parts[2:]))
        is_episode = True

    title_type = supplemental_title_type(supplemental_type) or ("episode" if is_episode else "film")
    return ParsedTitle(
        title_id="nf-t-" + _short_hash(title_type, full),
        title_type=title_type,
        series_id=("nf-s-" + _short_hash(series)) if series else None,
        series_title=series,
        season_number=season_number,
        episode_number=episode_number,
        title=title,
        source_string=full,
    )
