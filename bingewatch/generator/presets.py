"""Scale presets and messy-data rates: the generator's knobs, validated in one place.

A preset fixes the population and catalogue size and the default number of arrival days; rates
say how often each messy reality is injected (each can be overridden by keyword in `generate`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

SCALE_NAMES = ("tiny", "sample", "small", "medium", "large")

# Row-level defects: each picks a disjoint slice of the uniform [0, 1) draw of a background row,
# so a row carries at most one defect and its quarantine reason is known exactly.
ROW_DEFECTS = (
    "null_key",
    "unknown_event_type",
    "unknown_profile",
    "unknown_title",
    "absurd_offset",
    "clock_in_future",
    "too_late",
)

# Every rate the caller may override, with its meaning (also rendered in docs/generator.md).
RATE_DOCS = {
    "duplicate_rate": "share of defect-free rows resent with the same event_id (a copy arrives later)",
    "late_session_rate": "share of background sessions whose events all arrive 1-29 days late",
    "missing_stopped_rate": "share of background sessions with no `stopped` event (app crash)",
    "missing_start_rate": "share of background sessions with no `start` event",
    "orphan_heartbeat_rate": "share of background sessions with 1-3 heartbeats after `stopped`",
    "null_key_rate": "share of background rows with one key column set to NULL",
    "unknown_event_type_rate": "share of background rows with an event_type outside the contract",
    "unknown_profile_rate": "share of background rows whose profile_id is not in profiles",
    "unknown_title_rate": "share of background rows whose title_id is not in titles",
    "absurd_offset_rate": "share of background rows with a negative or beyond-runtime offset",
    "clock_in_future_rate": "share of background rows whose event_ts is 1 h-3 days after received_at",
    "too_late_rate": "share of background rows whose event_ts is 31-60 days before received_at",
    "erasure_rate": "share of background accounts with an erasure request",
    "opt_out_rate": "share of background profiles with analytics_opt_out",
}

DEFAULT_RATES = {
    "duplicate_rate": 0.01,
    "late_session_rate": 0.02,
    "missing_stopped_rate": 0.03,
    "missing_start_rate": 0.01,
    "orphan_heartbeat_rate": 0.02,
    "null_key_rate": 0.0005,
    "unknown_event_type_rate": 0.0005,
    "unknown_profile_rate": 0.0003,
    "unknown_title_rate": 0.0005,
    "absurd_offset_rate": 0.0005,
    "clock_in_future_rate": 0.0005,
    "too_late_rate": 0.0002,
    "erasure_rate": 0.002,
    "opt_out_rate": 0.03,
}

# tiny is small enough that the default rates would often inject nothing on a day: raise them
# so every quarantine reason shows up in the end-to-end tests.
_TINY_RATES = {
    "duplicate_rate": 0.02,
    "late_session_rate": 0.05,
    "missing_stopped_rate": 0.05,
    "missing_start_rate": 0.04,
    "orphan_heartbeat_rate": 0.05,
    "null_key_rate": 0.003,
    "unknown_event_type_rate": 0.003,
    "unknown_profile_rate": 0.003,
    "unknown_title_rate": 0.003,
    "absurd_offset_rate": 0.003,
    "clock_in_future_rate": 0.003,
    "too_late_rate": 0.003,
    "erasure_rate": 0.05,
}


@dataclass(frozen=True)
class Preset:
    """Sizes for one scale. `activity` scales how often a background profile watches on a day."""

    name: str
    profiles: int  # background profiles (planted viewers come on top)
    default_days: int
    series: int
    films: int
    activity: float
    rates: dict
    second_sitting: float = 0.35  # chance of a second sitting on an active day
    chain_skew: float = 1.7  # chain length 1 + floor(6 u^skew): lower means longer chains


PRESETS = {
    "tiny": Preset("tiny", 48, 3, 24, 30, 0.45, {**DEFAULT_RATES, **_TINY_RATES}),
    "sample": Preset("sample", 3_000, 21, 150, 150, 0.6, dict(DEFAULT_RATES)),
    "small": Preset("small", 10_000, 14, 300, 300, 0.6, dict(DEFAULT_RATES)),
    "medium": Preset("medium", 100_000, 1, 1_000, 800, 1.4, dict(DEFAULT_RATES), 0.7, 1.2),
    "large": Preset("large", 1_000_000, 1, 2_000, 1_500, 1.4, dict(DEFAULT_RATES), 0.7, 1.2),
}

MAX_DAYS = 366


def resolve(
    scale: str, days: int | None, start_date: date, seed: int, rate_overrides: dict
) -> tuple[Preset, int]:
    """Check the arguments of `generate` and return the preset (with rates applied) and the day count.

    Raises ValueError with a message that names the bad argument and what is allowed.
    """
    if scale not in PRESETS:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALE_NAMES)}")
    preset = PRESETS[scale]
    if days is None:
        days = preset.default_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be an integer from 1 to {MAX_DAYS}, got {days!r}")
    if not isinstance(start_date, date) or hasattr(start_date, "hour"):
        raise ValueError(f"start_date must be a datetime.date, got {start_date!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rates = dict(preset.rates)
    for name, value in rate_overrides.items():
        if name not in RATE_DOCS:
            raise ValueError(f"unknown rate {name!r}: choose from {', '.join(sorted(RATE_DOCS))}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"rate {name} must be a number from 0 to 1, got {value!r}")
        rates[name] = float(value)
    defect_total = sum(rates[f"{d}_rate"] for d in ROW_DEFECTS)
    if defect_total > 0.5:
        raise ValueError(f"row defect rates add up to {defect_total:.3f}; keep their sum at most 0.5")
    return replace(preset, rates=rates), days
