"""Dates and times as exports write them, and as spreadsheet programs rewrite them.

Netflix writes Start Time as UTC ``YYYY-MM-DD HH:MM:SS``. A file opened and re-saved in a
spreadsheet comes back as ``12/28/2021 13:02`` (month first, seconds lost), ``28/12/2021 13:02``
(day first) or ``28.12.2021 13:02``. Slash dates are month first unless the file itself proves
otherwise (a first number above 12): :func:`slash_order` decides once per column, so one file is
never read half one way and half the other. Lost seconds become ``:00``. A cell re-saved in
"General" format becomes a serial day number (``44558.5430556``), read as days since 1899-12-30.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

_TIME = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*([AaPp][Mm])?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"\s*(?:Z|UTC|\+00:?00)?$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})" + _TIME + r"$")
_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})" + _TIME + r"$")
_EPOCH_MS = re.compile(r"^\d{12,13}$")
# A spreadsheet cell in "General" format: days since 1899-12-30 (44558.543 = 2021-12-28 13:02).
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_SERIAL_EPOCH = datetime(1899, 12, 30)

MONTH_FIRST = "month_first"
DAY_FIRST = "day_first"


class MixedDateOrder(ValueError):
    """A column holding both month-first and day-first slash dates: no safe reading exists."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def slash_order(values: Iterable[tuple[int, str]]) -> tuple[str, int | None]:
    """Month first or day first for a column of (line, text) values; evidence line if any.

    Raises MixedDateOrder (with the line) when the column holds both orders.
    """
    month_first_line = day_first_line = None
    for line, text in values:
        m = _SLASH.match(text.strip())
        if not m:
            continue
        first, second = int(m.group(1)), int(m.group(2))
        if first > 12 and day_first_line is None:
            day_first_line = line
        if second > 12 and month_first_line is None:
            month_first_line = line
    if month_first_line is not None and day_first_line is not None:
        later = max(month_first_line, day_first_line)
        raise MixedDateOrder(
            later,
            f"dates mix month-first (line {month_first_line}) and day-first "
            f"(line {day_first_line}) slash formats",
        )
    if day_first_line is not None:
        return DAY_FIRST, day_first_line
    return MONTH_FIRST, month_first_line


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def _build(year: int, month: int, day: int, groups: tuple, need_time: bool) -> datetime:
    hour, minute, second, fraction, ampm = groups
    if hour is None:
        if need_time:
            raise ValueError("has no time of day")
        return datetime(year, month, day)
    h = int(hour)
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError("has an hour outside 1-12 with AM/PM")
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(year, month, day, h, int(minute), int(second or 0), micro)


def _parse(text: str, order: str, need_time: bool) -> datetime:
    value = text.strip()
    if m := _ISO.match(value):
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.groups()[3:], need_time)
    if m := _SLASH.match(value):
        a, b = int(m.group(1)), int(m.group(2))
        month, day = (a, b) if order == MONTH_FIRST else (b, a)
        return _build(_year(m.group(3)), month, day, m.groups()[3:], need_time)
    if m := _DOT.match(value):
        return _build(_year(m.group(3)), int(m.group(2)), int(m.group(1)), m.groups()[3:], need_time)
    if (m := _SERIAL.match(value)) and 20_000 <= int(m.group(1)) < 80_000:
        seconds = round(float(value) * 86_400)  # to the second: the float is not exact
        return _SERIAL_EPOCH + timedelta(seconds=seconds)
    if need_time and _EPOCH_MS.match(value):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC).replace(tzinfo=None)
    raise ValueError("is not a recognised format")


def parse_timestamp(text: str, order: str = MONTH_FIRST) -> datetime:
    """A UTC date and time (naive datetime). ValueError when it is not one."""
    try:
        return _parse(text, order, need_time=True)
    except ValueError as error:
        raise ValueError(
            f"'{text}' is not a UTC date and time (expected YYYY-MM-DD HH:MM:SS): {error}"
        ) from None


def parse_date(text: str, order: str = MONTH_FIRST) -> date:
    """A calendar date such as ``12/28/21`` (NetflixViewingHistory.csv). ValueError otherwise."""
    try:
        return _parse(text, order, need_time=False).date()
    except ValueError as error:
        raise ValueError(f"'{text}' is not a date (expected M/D/YY): {error}") from None


# Netflix began streaming in January 2007: an earlier start (the Unix epoch 1970-01-01 is the
# usual one) is a placeholder an export writes for a row it has no time for, never viewing.
# Kept, such a row would make the importer write one partition per day since 1970.
SERVICE_START = datetime(2007, 1, 1)
PLACEHOLDER = "placeholder_start_time"


def is_placeholder(moment: datetime | date) -> bool:
    """True for a start before the service existed (docs/importing.md, skipped rows)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment < SERVICE_START


def add_ms(moment: datetime, ms: int) -> datetime:
    return moment + timedelta(milliseconds=ms)
