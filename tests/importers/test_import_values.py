"""Spreadsheet-mangled dates and durations (dates.py, durations.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bingewatch.importers.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    MixedDateOrder,
    parse_date,
    parse_timestamp,
    slash_order,
)
from bingewatch.importers.durations import (
    HOURS_MINUTES,
    MINUTES_SECONDS,
    parse_duration,
    two_part_mode,
)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2021-12-28 13:02:11", MONTH_FIRST, datetime(2021, 12, 28, 13, 2, 11)),
        ("2021-12-28 13:02", MONTH_FIRST, datetime(2021, 12, 28, 13, 2)),
        ("2021-12-28T13:02:11Z", MONTH_FIRST, datetime(2021, 12, 28, 13, 2, 11)),
        ("2021-12-28 13:02:11.250", MONTH_FIRST, datetime(2021, 12, 28, 13, 2, 11, 250000)),
        ("12/28/2021 13:02", MONTH_FIRST, datetime(2021, 12, 28, 13, 2)),
        ("12/28/21 13:02:59", MONTH_FIRST, datetime(2021, 12, 28, 13, 2, 59)),
        ("12/28/2021 1:02 PM", MONTH_FIRST, datetime(2021, 12, 28, 13, 2)),
        ("12/28/2021 12:15 AM", MONTH_FIRST, datetime(2021, 12, 28, 0, 15)),
        ("28/12/2021 13:02", DAY_FIRST, datetime(2021, 12, 28, 13, 2)),
        ("03/04/2021 13:02", DAY_FIRST, datetime(2021, 4, 3, 13, 2)),
        ("28.12.2021 13:02", MONTH_FIRST, datetime(2021, 12, 28, 13, 2)),
        ("44558.5430555556", MONTH_FIRST, datetime(2021, 12, 28, 13, 2)),  # a "General" cell
    ],
)
def test_timestamps(text, order, expected):
    assert parse_timestamp(text, order) == expected


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2021-13-01 10:00:00", "12/28/2021", "2021-12-28 25:00:00", "12345.5", "1.5"]
)
def test_bad_timestamps(text):
    with pytest.raises(ValueError, match="is not a UTC date and time"):
        parse_timestamp(text)


def test_slash_order_is_decided_per_column():
    assert slash_order([(2, "03/04/2021 10:00"), (3, "12/28/2021 10:00")]) == (MONTH_FIRST, 3)
    assert slash_order([(2, "03/04/2021 10:00"), (3, "28/12/2021 10:00")]) == (DAY_FIRST, 3)
    assert slash_order([(2, "2021-12-28 10:00:00")]) == (MONTH_FIRST, None)
    with pytest.raises(MixedDateOrder) as caught:
        slash_order([(2, "28/12/2021 10:00"), (5, "12/28/2021 10:00")])
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/28/21", date(2021, 12, 28)),
        ("1/2/22", date(2022, 1, 2)),
        ("2021-12-28", date(2021, 12, 28)),
        ("28.12.21", date(2021, 12, 28)),
    ],
)
def test_history_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "mode", "seconds"),
    [
        ("00:22:05", HOURS_MINUTES, 1325),
        ("0:00:02", HOURS_MINUTES, 2),
        ("1:02:03", HOURS_MINUTES, 3723),
        ("1:02", HOURS_MINUTES, 3720),  # spreadsheet H:MM, seconds lost
        ("1:02", MINUTES_SECONDS, 62),
        ("45:10", MINUTES_SECONDS, 2710),
        ("00:00:00", HOURS_MINUTES, 0),
        ("22:05.0", HOURS_MINUTES, 1325),  # a spreadsheet's mm:ss.0 is unambiguous
        ("0.015335648148148", HOURS_MINUTES, 1325),  # a "General" cell: a fraction of a day
    ],
)
def test_durations(text, mode, seconds):
    assert parse_duration(text, mode=mode) == seconds


@pytest.mark.parametrize("text", ["12:xx:00", "", "1:75:00", "01:02:60", "abc", "-0:01:00"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match=r"Duration '.*' is not HH:MM:SS"):
        parse_duration(text)


def test_two_part_mode_needs_evidence_for_minutes_seconds():
    assert two_part_mode(["0:45", "1:02", "0:00:02"]) == HOURS_MINUTES
    assert two_part_mode(["0:45", "45:10"]) == MINUTES_SECONDS
