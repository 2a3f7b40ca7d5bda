"""Small field parsers shared by the formats: country, profile name."""

from __future__ import annotations

import re

_COUNTRY = re.compile(r"^([A-Za-z]{2})(?:\s*\(.*\))?$")


def parse_country(text: str) -> str | None:
    """``DE (Germany)`` -> ``DE``; blank -> None. ValueError for anything else."""
    value = text.strip()
    if not value:
        return None
    m = _COUNTRY.match(value)
    if not m:
        raise ValueError(f"Country '{text}' is not a two-letter code like 'DE (Germany)'")
    return m.group(1).upper()


def clean(text: str | None) -> str | None:
    """Trimmed text, None when blank."""
    value = (text or "").strip()
    return value or None
