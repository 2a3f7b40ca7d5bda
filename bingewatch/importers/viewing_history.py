"""NetflixViewingHistory.csv (``Title,Date``): titles only, never viewing.

The plain history has a date but no time, duration, profile or device, so it cannot say how
long anything was watched. Rather than fabricate viewing, each row adds its title to the title
catalog (runtime unknown) and is counted as ``history_without_duration``; no events are written.
Import ViewingActivity.csv for watch time.
"""

from __future__ import annotations

from .csvfile import ExportFile
from .dates import MixedDateOrder, is_placeholder, parse_date, slash_order
from .errors import at_line
from .fields import clean
from .model import FormatResult
from .titles import parse_title


def parse(export: ExportFile, result: FormatResult, dates: list) -> None:
    """Validate every row of one viewing-history file; add its titles to ``result``."""
    label = export.label
    try:
        order, _ = slash_order((line, row["Date"]) for line, row in export.rows)
    except MixedDateOrder as error:
        raise at_line(label, error.line, f"Date {error}") from None
    for line, row in export.rows:
        result.rows_read += 1
        title_text = clean(row["Title"])
        if title_text is None:
            raise at_line(label, line, "Title is empty")
        try:
            day = parse_date(row["Date"], order)
        except ValueError as error:
            raise at_line(label, line, f"Date {error}") from None
        if is_placeholder(day):
            result.skipped["placeholder_date"] += 1
            continue
        dates.append(day)
        result.title(parse_title(title_text))
        result.skipped["history_without_duration"] += 1
