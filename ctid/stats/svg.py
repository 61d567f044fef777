"""Bar and line charts as SVG text: pure, no I/O, no library beyond the standard one.

The document is built with ElementTree, so every label, title and series name (a dealer's category, an
industry, CJK or anything else) is escaped by the serialiser and never pasted into markup. Characters XML
cannot hold at all (control characters, lone surrogates) are dropped first. Styling is presentation
attributes only (no ``style`` element or attribute), so the strict CSP of the pages holds for the image too.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

LEFT, RIGHT, TOP, BOTTOM = 56, 16, 48, 72  # the title and the series' keys above the plot
COLOURS = ("#2f6fb0", "#d9822b", "#3a9a5b", "#b03a48", "#7a5cb0", "#7d7d7d")
FONT = "sans-serif"
MAX_LABEL = 24  # characters of a tick label; longer ones end with an ellipsis
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Size:
    """The drawing's own size. The page scales the image to its card's width (the viewBox keeps the
    proportions), so a size is chosen near the width it is shown at: the text stays about 12 px on a
    wide screen's half-width card and on a phone's full-width one, instead of shrinking to 5 px there."""

    width: int
    height: int
    most_ticks: int  # tick labels shown at most: more are thinned so that rotated labels do not overlap


WIDE = Size(640, 320, 24)
NARROW = Size(360, 300, 6)
SIZES = {"wide": WIDE, "narrow": NARROW}


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    empty_note: str = "No data",
    size: Size = WIDE,
) -> str:
    """Grouped bars: one group per label, one bar per series, heights proportional to the values."""
    return _chart("bar", title, labels, series, empty_note, size)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    empty_note: str = "No data",
    size: Size = WIDE,
) -> str:
    """One polyline per series over the labels, with a dot at every value."""
    return _chart("line", title, labels, series, empty_note, size)


def clean(text: str) -> str:
    """``text`` without the characters an XML document cannot contain."""
    return _NOT_XML.sub("", str(text))


def nice_top(peak: float) -> tuple[float, float]:
    """The axis top (>= peak) and the tick step: 1, 2 or 5 times a power of ten, about five ticks."""
    if peak < 1e-9 or not math.isfinite(peak):  # nothing, or too little to draw (and log10 of 0 fails)
        return 1.0, 1.0
    raw = peak / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and peak >= 1:
        step = 1.0
    return math.ceil(peak / step) * step, step


def _chart(
    kind: str, title: str, labels: Sequence[str], series: Sequence[Series], empty_note: str, size: Size
) -> str:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": str(size.width),
            "height": str(size.height),
            "viewBox": f"0 0 {size.width} {size.height}",
            "preserveAspectRatio": "xMidYMid meet",
            "font-family": FONT,
            "font-size": "12",
            "role": "img",
        },
    )
    _text(svg, size.width / 2, 22, title, anchor="middle", size="15", weight="bold")
    ET.SubElement(svg, "title").text = clean(title)
    plot_w, plot_h = size.width - LEFT - RIGHT, size.height - TOP - BOTTOM
    values = [_finite(v) for s in series for v in s.values]
    peak = max(values, default=0.0)
    top, step = nice_top(peak)
    _axes(svg, top, step, plot_w, plot_h)
    if not labels or not series or peak <= 0:
        _text(svg, LEFT + plot_w / 2, TOP + plot_h / 2, empty_note, anchor="middle", fill="#777", cls="empty")
        return _serialise(svg)
    slot = plot_w / len(labels)
    _ticks(svg, labels, slot, plot_h, size.most_ticks)
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if kind == "bar":
            _bars(svg, one, index, len(series), slot, plot_h, top, colour)
        else:
            _line(svg, one, slot, plot_h, top, colour)
    _legend(svg, series)
    return _serialise(svg)


def _axes(svg: ET.Element, top: float, step: float, plot_w: float, plot_h: float) -> None:
    bottom = TOP + plot_h
    line = {"stroke": "#444", "stroke-width": "1"}
    ET.SubElement(svg, "line", {"x1": str(LEFT), "y1": str(TOP), "x2": str(LEFT), "y2": _n(bottom), **line})
    right = LEFT + plot_w
    ET.SubElement(
        svg, "line", {"x1": str(LEFT), "y1": _n(bottom), "x2": str(right), "y2": _n(bottom), **line}
    )
    count = round(top / step)
    for i in range(count + 1):
        value = step * i
        y = bottom - plot_h * value / top
        grid = {"stroke": "#ddd", "stroke-width": "1"}
        ET.SubElement(svg, "line", {"x1": str(LEFT), "y1": _n(y), "x2": str(right), "y2": _n(y), **grid})
        _text(svg, LEFT - 6, y + 4, _number(value), anchor="end")


def _ticks(svg: ET.Element, labels: Sequence[str], slot: float, plot_h: float, most: int) -> None:
    bottom = TOP + plot_h
    every = max(1, math.ceil(len(labels) / most))  # daily buckets of a year stay legible
    for i, label in enumerate(labels):
        x = LEFT + slot * (i + 0.5)
        ET.SubElement(
            svg, "line", {"x1": _n(x), "y1": _n(bottom), "x2": _n(x), "y2": _n(bottom + 4), "stroke": "#444"}
        )
        if i % every:
            continue
        short = _short(clean(label))
        text = _text(svg, x, bottom + 16, short, anchor="end", cls="label")
        text.set("transform", f"rotate(-35 {_n(x)} {_n(bottom + 16)})")


def _bars(
    svg: ET.Element, one: Series, index: int, count: int, slot: float, plot_h: float, top: float, colour: str
) -> None:
    width = slot * 0.8 / count
    for i, raw in enumerate(one.values):
        value = _finite(raw)
        height = plot_h * value / top
        x = LEFT + slot * i + slot * 0.1 + width * index
        bar = ET.SubElement(
            svg,
            "rect",
            {
                "x": _n(x),
                "y": _n(TOP + plot_h - height),
                "width": _n(width),
                "height": _n(height),
                "fill": colour,
                "class": "bar",
                "data-value": _number(value),
            },
        )
        ET.SubElement(bar, "title").text = clean(f"{one.name}: {_number(value)}")


def _line(svg: ET.Element, one: Series, slot: float, plot_h: float, top: float, colour: str) -> None:
    points = []
    for i, raw in enumerate(one.values):
        value = _finite(raw)
        x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top
        points.append(f"{_n(x)},{_n(y)}")
        dot = ET.SubElement(
            svg, "circle", {"cx": _n(x), "cy": _n(y), "r": "3", "fill": colour, "data-value": _number(value)}
        )
        ET.SubElement(dot, "title").text = clean(f"{one.name}: {_number(value)}")
    attrs = {"points": " ".join(points), "fill": "none", "stroke": colour, "stroke-width": "2"}
    ET.SubElement(svg, "polyline", {**attrs, "class": "line"})


def _legend(svg: ET.Element, series: Sequence[Series]) -> None:
    if len(series) < 2:
        return
    x = LEFT
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        ET.SubElement(svg, "rect", {"x": _n(x), "y": "30", "width": "10", "height": "10", "fill": colour})
        name = _short(clean(one.name))
        _text(svg, x + 14, 39, name, anchor="start")
        x += 24 + 12 * len(name)


def _text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    *,
    anchor: str,
    size: str | None = None,
    weight: str | None = None,
    fill: str = "#222",
    cls: str | None = None,
) -> ET.Element:
    attrs = {"x": _n(x), "y": _n(y), "text-anchor": anchor, "fill": fill}
    if size:
        attrs["font-size"] = size
    if weight:
        attrs["font-weight"] = weight
    if cls:
        attrs["class"] = cls
    element = ET.SubElement(parent, "text", attrs)
    element.text = clean(content)
    return element


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) and value > 0 else 0.0


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _serialise(svg: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode")
