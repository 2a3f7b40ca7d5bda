"""The run report's trend charts (bingewatch.report_charts): inline SVG drawn without a chart
library; the scales, labels and hover texts an engineer reads off them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bingewatch.report_charts import (
    CURRENT,
    MAX_DATE_LABELS,
    OUTSIDE,
    format_number,
    nice_ticks,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(figure: str) -> ET.Element:
    """The figure's SVG, parsed (it must be well-formed XML to render inline)."""
    return ET.fromstring(figure[figure.index("<svg") : figure.index("</svg>") + len("</svg>")])


def texts(svg: ET.Element) -> list[str]:
    return [text.text for text in svg.iter(f"{SVG}text")]


def band_rows(values: list[float]) -> list[dict]:
    return [
        {"date": f"2026-03-{day:02d}", "value": value, "low": 90.0, "high": 110.0}
        for day, value in enumerate(values, start=1)
    ]


@pytest.mark.parametrize(
    ("value", "specifier", "expected"),
    [
        (1234.5, ",.0f", "1,234"),
        (0, ",.0f", "0"),
        (0.01234, ".2%", "1.23%"),
        (0.0, ".2%", "0.00%"),
        (0.5, ".3~g", "0.5"),
        (12.0, ".3~g", "12"),
        (1.23456, ".3~g", "1.23"),
        (0.25, ".1~%", "25%"),
        (98765.4321, ",.4~g", "9.877e+04"),
    ],
)
def test_numbers_follow_the_d3_format_specifier(value, specifier, expected):
    assert format_number(value, specifier) == expected


def test_an_unsupported_format_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"'\$,.2f'"):
        format_number(1.0, "$,.2f")


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 197, [0, 50, 100, 150, 200]),
        (0, 0.0123, [0, 0.005, 0.01, 0.015]),
        (-3, 7, [-5, 0, 5, 10]),
        (0, 0, [0, 0.5, 1]),
    ],
)
def test_ticks_are_round_and_enclose_the_values(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_every_run_is_a_point_with_its_value_and_band_on_hover():
    figure = trend_chart("raw_rows", "raw rows", band_rows([100, 95, 105]), "2026-03-03", ",.0f")
    svg = svg_of(figure)
    titles = [title.text for title in svg.iter(f"{SVG}title")]
    assert sorted(titles) == [
        "2026-03-01: raw rows 100 (band 90 to 110)",
        "2026-03-02: raw rows 95 (band 90 to 110)",
        "2026-03-03: raw rows 105 (band 90 to 110)",
    ]
    assert 'data-points="3"' in figure and "raw rows: <b>105</b>" in figure
    assert len(list(svg.iter(f"{SVG}polygon"))) == 1  # the band
    assert {"Mar 01", "Mar 02", "Mar 03", "0", "50", "100"} <= set(texts(svg))


def test_a_run_outside_its_band_is_red_and_named_in_the_caption():
    figure = trend_chart("raw_rows", "raw rows", band_rows([100, 40, 100]), "2026-03-03", ",.0f")
    circles = {
        circle.find(f"{SVG}title").text.split(":")[0]: circle.get("fill")
        for circle in svg_of(figure).iter(f"{SVG}circle")
    }
    assert circles["2026-03-02"] == OUTSIDE and circles["2026-03-03"] == CURRENT
    assert "outside its band on 2026-03-02" in figure
    assert "2026-03-02: raw rows 40 (band 90 to 110) OUTSIDE BAND" in figure


def test_points_are_placed_by_date_and_value():
    svg = svg_of(trend_chart("c", "c", band_rows([0, 50, 100]), "2026-03-03", ",.0f"))
    at = {
        circle.find(f"{SVG}title").text[:10]: (float(circle.get("cx")), float(circle.get("cy")))
        for circle in svg.iter(f"{SVG}circle")
    }
    (x1, y1), (x2, y2), (x3, y3) = at["2026-03-01"], at["2026-03-02"], at["2026-03-03"]
    assert x1 < x2 < x3 and x2 - x1 == pytest.approx(x3 - x2, abs=0.2)  # a day is a day
    assert y1 > y2 > y3 and y1 - y2 == pytest.approx(y2 - y3, abs=0.2)  # higher values higher up


def test_sixty_runs_keep_the_date_labels_apart():
    rows = [{"date": f"2026-{month:02d}-{day:02d}", "value": 1.0} for month in (1, 2) for day in range(1, 29)]
    labels = [
        t
        for t in texts(svg_of(trend_chart("c", "c", rows, "2026-02-28")))
        if re.match(r"[A-Z][a-z]{2} \d\d$", t)
    ]
    assert 1 < len(labels) <= MAX_DATE_LABELS and labels[0] == "Jan 01"


def test_one_line_per_series_with_a_legend_and_no_band():
    rows = [
        {"date": f"2026-03-0{day}", "series": series, "value": day / 100}
        for day in (1, 2)
        for series in ("null_key", "unknown_title", "too_late")
    ]
    svg = svg_of(trend_chart("by_reason", "quarantine share by reason", rows, "2026-03-02", ".2%"))
    assert len(list(svg.iter(f"{SVG}polyline"))) == 3 and not list(svg.iter(f"{SVG}polygon"))
    legend = svg.find(f"{SVG}g[@class='legend']")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["null_key", "too_late", "unknown_title"]
    assert "2026-03-02: too_late 0.02" in [t.text for t in svg.iter(f"{SVG}title")]
    assert "2.00%" in texts(svg)


def test_labels_are_escaped():
    rows = [{"date": "2026-03-01", "series": "<b>&", "value": 1.0}]
    figure = trend_chart("c", "c", rows, "2026-03-01")
    svg_of(figure)  # still well-formed
    assert "&lt;b&gt;&amp;" in figure and "<b>&" not in figure


def test_no_values_says_so_instead_of_an_empty_chart():
    figure = trend_chart("c", "raw rows", [{"date": "2026-03-01", "value": None}], "2026-03-01")
    assert "No data yet." in figure and "<svg" not in figure
