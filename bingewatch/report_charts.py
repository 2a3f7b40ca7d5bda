"""Trend charts of the run report: Altair specs rendered to inline SVG by vl-convert, offline.

Why Altair + vl-convert (and not Plotly): Altair is already installed through Great
Expectations; vl-convert-python (one locked wheel, Vega and Vega-Lite compiled in, no browser,
no network) renders a spec to SVG at report time, so the page stays one self-contained file
with no JavaScript at all and opens from ``file://`` anywhere. Plotly would need its 4.6 MB
JavaScript beside every report and a browser to draw anything. Rendering costs about 0.4 s for
the first chart of a process (vl-convert's engine start) and about 30 ms per chart after.

Values on hover: Vega's SVG renderer labels every point with an ``aria-label``
("date: Mar 09, 2026; raw rows: 1,000"); each becomes the point's ``<title>``, which browsers
show as a tooltip. The anomaly band (median ± k·MAD of the runs before each night) is drawn as
a shaded area; nights outside their band are red, the current night is the large dark point.
"""

from __future__ import annotations

import re
from typing import Any

CURRENT = "#0b63ce"
EARLIER = "#9fb8d8"
OUTSIDE = "#d62728"
BAND = "#c9daf0"
_POINT_LABEL = re.compile(r'<path(?P<attrs>[^>]*?aria-label="(?P<label>[^"]*)"[^>]*?)(?P<close>/>|></path>)')
_ID = re.compile(r'\bid="([^"]+)"')


def _svg_with_tooltips(svg: str, prefix: str) -> str:
    """Each labelled mark gets a <title> (native hover text); ids get a per-chart prefix so
    several inline SVGs on one page never share a clip path."""

    def titled(match: re.Match) -> str:
        return f"<path{match['attrs']}><title>{match['label']}</title></path>"

    svg = _POINT_LABEL.sub(titled, svg)
    for identifier in set(_ID.findall(svg)):
        svg = svg.replace(f'id="{identifier}"', f'id="{prefix}-{identifier}"')
        svg = svg.replace(f"url(#{identifier})", f"url(#{prefix}-{identifier})")
    return svg


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


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
    import altair as alt
    import vl_convert

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
        # The hover text (the point's aria-label, then its <title>): date, figure, band.
        label = f"{r['date']}: {r.get('series') or title} {_fmt(r['value'])}"
        if not series and low is not None and high is not None:
            label += f" (band {_fmt(low)} to {_fmt(high)})"
        r["label"] = label + (" OUTSIDE BAND" if r["state"] == "outside band" else "")
    data = alt.Data(values=rows)
    # One tick a day at most (Vega drops overlapping labels over 60 runs), in UTC like the dates.
    axis = alt.Axis(format="%b %d", title=None, labelAngle=-40, tickCount={"interval": "day", "step": 1})
    x = alt.X("date:T", scale=alt.Scale(type="utc"), axis=axis)
    tooltip = [
        alt.Tooltip("date:T", format="%Y-%m-%d", title="date", formatType="utc"),
        alt.Tooltip("value:Q", format=value_format, title=title),
    ]
    if series:
        tooltip.insert(1, alt.Tooltip("series:N", title="series"))
    base = alt.Chart(data)
    layers = []
    if not series and any(r.get("low") is not None for r in rows):
        layers.append(base.mark_area(color=BAND, opacity=1, aria=False).encode(x=x, y="low:Q", y2="high:Q"))
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format=value_format))
    if series:
        color = alt.Color("series:N", legend=alt.Legend(title=None, orient="bottom"))
        layers.append(base.mark_line(strokeWidth=1.5, aria=False).encode(x=x, y=y, color=color))
        layers.append(
            base.mark_point(filled=True, size=30).encode(
                x=x, y=y, color=color, tooltip=tooltip, description="label:N"
            )
        )
    else:
        layers.append(base.mark_line(color=EARLIER, strokeWidth=1.5, aria=False).encode(x=x, y=y))
        color = alt.Color(
            "state:N",
            scale=alt.Scale(domain=["earlier", "current", "outside band"], range=[EARLIER, CURRENT, OUTSIDE]),
            legend=None,
        )
        size = alt.Size(
            "state:N",
            scale=alt.Scale(domain=["earlier", "current", "outside band"], range=[30, 110, 80]),
            legend=None,
        )
        layers.append(
            base.mark_point(filled=True, opacity=1).encode(
                x=x, y=y, color=color, size=size, tooltip=tooltip, description="label:N"
            )
        )
    chart = alt.layer(*layers).properties(width=300, height=110)  # the title is the figcaption
    spec = chart.to_dict()
    spec["config"] = {"view": {"stroke": None}}
    svg = vl_convert.vegalite_to_svg(spec)
    latest = next((r for r in rows if r["date"] == current), None)
    caption = f"{title}: <b>{_fmt(latest['value'])}</b>" if latest and not series else title
    outside = [r["date"] for r in rows if r["state"] == "outside band"]
    if outside:
        caption += f' <span class="fail">outside its band on {", ".join(outside[-5:])}</span>'
    return (
        f'<figure class="chart" id="{chart_id}" data-points="{len(rows)}">'
        f"<figcaption>{caption}</figcaption>{_svg_with_tooltips(svg, chart_id)}</figure>"
    )
