"""Durations and bookmarks (``HH:MM:SS``), including what spreadsheets turn them into.

Netflix writes ``0:42:17``. A re-saved file may lose the leading zero (``0:00:02`` is fine as it
is) or the seconds: a two-part value like ``1:02`` is read as **H:MM** (1 h 2 min, seconds
lost), the same way spreadsheets drop the seconds of Start Time, unless the column itself shows
it is MM:SS (a first part above 12: no single row of viewing lasts 13 hours). The choice is made
once per column by :func:`two_part_mode`. ``22:05.0`` (a fraction after the second part) can
only be minutes and seconds; ``0.0153356`` (a "General" cell) is a fraction of a day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_THREE = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})(?:\.\d+)?$")
_TWO = re.compile(r"^(\d{1,4}):(\d{1,2})$")
_DAY_FRACTION = re.compile(r"^0?\.\d+$")  # a "General" cell: 0.0153356 of a day = 0:22:05
_MINUTES_SECONDS_FRACTION = re.compile(r"^(\d{1,4}):(\d{1,2})\.\d+$")  # a spreadsheet's "22:05.0"

HOURS_MINUTES = "h:mm"
MINUTES_SECONDS = "mm:ss"


def two_part_mode(values: Iterable[str]) -> str:
    """H:MM unless some two-part value in the column only makes sense as MM:SS."""
    for text in values:
        m = _TWO.match(text.strip())
        if m and int(m.group(1)) > 12:
            return MINUTES_SECONDS
    return HOURS_MINUTES


def parse_duration(text: str, column: str = "Duration", mode: str = HOURS_MINUTES) -> int:
    """Seconds in an ``HH:MM:SS`` value. ValueError with a readable reason otherwise."""
    value = text.strip()
    if m := _THREE.match(value):
        h, mi, s = (int(g) for g in m.groups())
        if mi < 60 and s < 60:
            return h * 3600 + mi * 60 + s
    elif m := _TWO.match(value):
        a, b = int(m.group(1)), int(m.group(2))
        if b < 60:
            return a * 3600 + b * 60 if mode == HOURS_MINUTES else a * 60 + b
    elif m := _MINUTES_SECONDS_FRACTION.match(value):
        a, b = int(m.group(1)), int(m.group(2))
        if b < 60:
            return a * 60 + b
    elif _DAY_FRACTION.match(value):
        return round(float(value) * 86_400)
    raise ValueError(f"{column} '{text}' is not HH:MM:SS")
