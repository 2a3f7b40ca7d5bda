"""Trend charts of the run report, drawn here as inline SVG: no JavaScript, no chart library.

Each chart is a line with a point per run over at most ``TREND_RUNS`` arrival dates, with the
anomaly band as a shaded area and the current run highlighted, or one line per series with a
legend. That is little enough to draw directly, and every nightly run draws ten of them: through
Altair and vl-convert (Vega compiled in) they cost 2.6–3.2 s of every run on 2 cores (Altair's
import and schema validation, Vega's engine start, about 0.2 s a chart); drawn here, a few
milliseconds for all ten (docs/data_quality.md, "Cost").

Values on hover: every point is an SVG ``<circle>`` whose ``<title>`` ("2026-03-09: raw rows
1,000 (band 900 to 1,100)") browsers show as a tooltip. Nights outside their band are red, the
current night is the large dark point. Numbers on the axis and on hover follow a d3-format
specifier (``,.0f``, ``.2%``, ``.3~g``), as the report's chart list gives them.
"""

from __future__ import annotations

import math
import re
from datetime import date
from html import escape
from typing import Any

CURRENT = "#0b63ce"
EARLIER = "#9fb8d8"
OUTSIDE = "#d62728"
BAND = "#c9daf0"
GRID = "#ddd"
AXIS = "#888"
# Vega's "tableau10": one colour per series, in the series' sorted order.
SERIES_COLORS = (
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b",
    "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
)  # fmt: skip
# Point radii: earlier, current and outside-band runs; series points.
RADIUS = {"earlier": 3.0, "current": 6.0, "outside band": 5.0, "series": 3.0}
FILL = {"earlier": EARLIER, "current": CURRENT, "outside band": OUTSIDE}
# The plot area, and the margins around it for the axes' labels.
WIDTH, HEIGHT = 300, 110
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 6, 44
LEGEND_ROW = 16
# At most this many date labels on the time axis: 60 runs would overlap.
MAX_DATE_LABELS = 15
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FORMAT = re.compile(r"^(?P<comma>,)?(?:\.(?P<precision>\d+))?(?P<trim>~)?(?P<type>[fg%])$")


def format_number(value: float, specifier: str) -> str:
    """``value`` formatted by the d3-format ``specifier`` (the subset the charts use: an
    optional thousands comma, a precision, ``~`` to trim insignificant zeros, and type ``f``,
    ``g`` or ``%``)."""
    match = _FORMAT.match(specifier)
    if match is None:
        raise ValueError(f"unsupported number format {specifier!r}: use [,][.N][~](f|g|%)")
    comma = "," if match["comma"] else ""
    precision = int(match["precision"] or 6)
    kind = match["type"]
    if kind == "g":
        text = f"{value:{comma}.{precision}g}" if match["trim"] else f"{value:#{comma}.{precision}g}"
        return text.rstrip(".")
    scaled, suffix = (value * 100, "%") if kind == "%" else (value, "")
    text = f"{scaled:{comma}.{precision}f}"
    if match["trim"] and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" + suffix if text == "-0" else text + suffix  # a negative value rounded to zero


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 3) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) whose first
    and last enclose [low, high], as d3's "nice" linear scale chooses them."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1)
    raw_step = (high - low) / count
    step = 10 ** math.floor(math.log10(raw_step))
    error = raw_step / step
    step *= 10 if error >= 7.07 else 5 if error >= 3.16 else 2 if error >= 1.41 else 1
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _date_label(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day:02d}"


def _labelled_days(first: date, last: date) -> list[date]:
    """One label a day, or every k-th day when there are more than MAX_DATE_LABELS."""
    days = (last - first).days + 1
    step = max(1, math.ceil(days / MAX_DATE_LABELS))
    return [date.fromordinal(first.toordinal() + offset) for offset in range(0, days, step)]


def trend_chart(
    chart_id: str,
    title: str,
    rows: list[dict[str, Any]],
    current: str,
    value_format: str = ",.4~g",
) -> str:
    """One figure over the recent runs: a line with a point per run, its anomaly band if the
    rows carry ``low``/``high``, and the current run highlighted.

    ``rows``: {"date": "YYYY-MM-DD", "value": float | None, "low"/"high": float | None,
    "series": str (optional: one line per series, no band)}.
    """
    rows = [r for r in rows if r.get("value") is not None]
    if not rows:
        return (
            f'<figure class="chart" id="{chart_id}"><figcaption>{title}</figcaption>'
            '<p class="muted">No data yet.</p></figure>'
        )
    series = any(r.get("series") for r in rows)
    for r in rows:
        r["state"] = "current" if r["date"] == current else "earlier"
        low, high = r.get("low"), r.get("high")
        if not series and low is not None and high is not None and not low <= r["value"] <= high:
            r["state"] = "outside band"
        # The hover text (the point's <title>): date, figure, band.
        label = f"{r['date']}: {r.get('series') or title} {_fmt(r['value'])}"
        if not series and low is not None and high is not None:
            label += f" (band {_fmt(low)} to {_fmt(high)})"
        r["label"] = label + (" OUTSIDE BAND" if r["state"] == "outside band" else "")
    svg = _draw(rows, series, value_format, title)
    latest = next((r for r in rows if r["date"] == current), None)
    caption = f"{title}: <b>{_fmt(latest['value'])}</b>" if latest and not series else title
    outside = [r["date"] for r in rows if r["state"] == "outside band"]
    if outside:
        caption += f' <span class="fail">outside its band on {", ".join(outside[-5:])}</span>'
    return (
        f'<figure class="chart" id="{chart_id}" data-points="{len(rows)}">'
        f"<figcaption>{caption}</figcaption>{svg}</figure>"
    )


def _draw(rows: list[dict[str, Any]], series: bool, value_format: str, title: str) -> str:
    days = sorted({date.fromisoformat(r["date"]) for r in rows})
    first, span = days[0], max((days[-1] - days[0]).days, 1)
    banded = [] if series else [r for r in rows if r.get("low") is not None and r.get("high") is not None]
    extent = [r["value"] for r in rows] + [r[k] for r in banded for k in ("low", "high")]
    ticks = nice_ticks(min(0.0, *extent), max(0.0, *extent))
    bottom, top = ticks[0], ticks[-1]

    def x(day: str) -> float:
        offset = (date.fromisoformat(day) - first).days
        return round(WIDTH / 2 if len(days) == 1 else offset / span * WIDTH, 1)

    def y(value: float) -> float:
        return round(HEIGHT - (value - bottom) / (top - bottom) * HEIGHT, 1)

    names = sorted({r["series"] for r in rows}) if series else []
    color = {name: SERIES_COLORS[i % len(SERIES_COLORS)] for i, name in enumerate(names)}
    legend, legend_height = _legend(names, color)
    width, height = LEFT + WIDTH + RIGHT, TOP + HEIGHT + BOTTOM + legend_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)} by arrival date" '
        f'font-family="sans-serif" font-size="10px">',
        f'<g transform="translate({LEFT},{TOP})">',
    ]
    for tick in ticks:  # the value axis: grid lines and their labels
        parts.append(
            f'<line x1="0" x2="{WIDTH}" y1="{y(tick)}" y2="{y(tick)}" stroke="{GRID}"/>'
            f'<text x="-6" y="{y(tick)}" dy="3" text-anchor="end">'
            f"{escape(format_number(tick, value_format))}</text>"
        )
    parts.append(f'<line x1="0" x2="{WIDTH}" y1="{HEIGHT}" y2="{HEIGHT}" stroke="{AXIS}"/>')
    for day in _labelled_days(first, days[-1]):  # the time axis, in UTC dates like the runs
        at = x(day.isoformat())
        parts.append(
            f'<line x1="{at}" x2="{at}" y1="{HEIGHT}" y2="{HEIGHT + 5}" stroke="{AXIS}"/>'
            f'<text transform="translate({at},{HEIGHT + 15}) rotate(-40)" text-anchor="end">'
            f"{_date_label(day)}</text>"
        )
    if banded:
        banded.sort(key=lambda r: r["date"])
        edge = [f"{x(r['date'])},{y(r['high'])}" for r in banded]
        edge += [f"{x(r['date'])},{y(r['low'])}" for r in reversed(banded)]
        parts.append(f'<polygon points="{" ".join(edge)}" fill="{BAND}" aria-hidden="true"/>')
    for name in names or [None]:
        line = sorted((r for r in rows if r.get("series") == name), key=lambda r: r["date"])
        points = " ".join(f"{x(r['date'])},{y(r['value'])}" for r in line)
        stroke = color.get(name, EARLIER)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="1.5" '
            'aria-hidden="true"/>'
        )
    for r in sorted(rows, key=lambda r: r["state"] != "earlier"):  # highlighted points on top
        fill = color[r["series"]] if series else FILL[r["state"]]
        radius = RADIUS["series" if series else r["state"]]
        parts.append(
            f'<circle cx="{x(r["date"])}" cy="{y(r["value"])}" r="{radius}" fill="{fill}">'
            f"<title>{escape(r['label'])}</title></circle>"
        )
    parts.append("</g>")
    parts.append(legend)
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: list[str], color: dict[str, str]) -> tuple[str, int]:
    """The series' names under the time axis, wrapped to the chart's width."""
    if not names:
        return "", 0
    items, column, row = [], 0.0, 0
    for name in names:
        item_width = 16 + 6 * len(name) + 12  # swatch, text at about 6 px a character, gap
        if column and column + item_width > WIDTH:
            column, row = 0.0, row + 1
        left, baseline = LEFT + column, TOP + HEIGHT + BOTTOM + row * LEGEND_ROW + 8
        items.append(
            f'<circle cx="{left + 4}" cy="{baseline - 3}" r="4" fill="{color[name]}"/>'
            f'<text x="{left + 12}" y="{baseline}">{escape(name)}</text>'
        )
        column += item_width
    return f'<g class="legend">{"".join(items)}</g>', (row + 1) * LEGEND_ROW
