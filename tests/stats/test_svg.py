"""The SVG charts, drawn without a server: well-formed, escaped, bars proportional, empty data noted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from ctid.stats.svg import NARROW, WIDE, Series, Size, bar_chart, line_chart, nice_top

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def test_bars_are_proportional_to_the_values() -> None:
    root = _parse(bar_chart("新客户", ["2025-01", "2025-02", "2025-03"], [Series("新客户", (2, 4, 0))]))
    bars = root.findall("s:rect[@class='bar']", NS)
    heights = [float(bar.get("height", "")) for bar in bars]
    assert [bar.get("data-value") for bar in bars] == ["2", "4", "0"]
    assert heights[1] == 2 * heights[0] and heights[2] == 0
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "新客户" in texts and "2025-02" in texts


def test_text_is_escaped_and_control_characters_dropped() -> None:
    evil = '<script>alert("x")</script>&\x00'
    svg = bar_chart(evil, [evil], [Series(evil, (1,))])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = _parse(svg)
    assert root.find("s:script", NS) is None


def test_empty_data_is_an_empty_chart_with_a_note() -> None:
    for svg in (
        bar_chart("空", [], [], "暂无数据"),
        line_chart("空", ["a"], [Series("x", (0,))], "暂无数据"),
    ):
        root = _parse(svg)
        assert root.findall("s:rect[@class='bar']", NS) == []
        note = root.find("s:text[@class='empty']", NS)
        assert note is not None and note.text == "暂无数据"


def test_line_chart_has_a_point_per_value() -> None:
    root = _parse(line_chart("流失", ["a", "b", "c"], [Series("流失", (1, 3, 2))]))
    assert [c.get("data-value") for c in root.findall("s:circle", NS)] == ["1", "3", "2"]
    assert root.find("s:polyline", NS) is not None


def test_axis_top_and_step() -> None:
    assert nice_top(0) == (1.0, 1.0)
    assert nice_top(7) == (8.0, 2.0)
    assert nice_top(3) == (3.0, 1.0)
    assert nice_top(1234) == (1500.0, 500.0)


labels = st.lists(st.text(max_size=40), max_size=30)


@given(labels, st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), max_size=30), st.text())
def test_any_series_and_labels_give_well_formed_svg(
    names: list[str], values: list[float], title: str
) -> None:
    values = values[: len(names)] + [0.0] * (len(names) - len(values))
    for draw in (bar_chart, line_chart):
        root = _parse(draw(title, names, [Series(title, tuple(values)), Series("b", tuple(values))]))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


@given(st.sampled_from([WIDE, NARROW]), labels, st.integers(min_value=1, max_value=3))
def test_every_drawing_keeps_inside_its_viewbox(size: Size, names: list[str], count: int) -> None:
    """The page scales the image to its card (width 100%, height from the viewBox): nothing may be drawn
    past the viewBox, or it is cut off at that size."""
    series = [Series(f"s{i}", tuple(float(j + i) for j in range(len(names)))) for i in range(count)]
    root = _parse(bar_chart("标题", names, series, size=size))
    assert root.get("viewBox") == f"0 0 {size.width} {size.height}"
    for element in root.iter():
        for attribute in ("x", "x1", "x2", "cx"):
            if (value := element.get(attribute)) is not None:
                assert 0 <= float(value) <= size.width
        for attribute in ("y", "y1", "y2", "cy"):
            if (value := element.get(attribute)) is not None:
                assert 0 <= float(value) <= size.height


def test_a_phone_drawing_is_narrower_with_fewer_tick_labels() -> None:
    days = [f"2025-01-{d:02d}" for d in range(1, 32)]
    wide = _parse(bar_chart("t", days, [Series("n", (1.0,) * 31)]))
    narrow = _parse(bar_chart("t", days, [Series("n", (1.0,) * 31)], size=NARROW))
    assert (wide.get("width"), narrow.get("width")) == (str(WIDE.width), str(NARROW.width))
    shown = [len(root.findall("s:text[@class='label']", NS)) for root in (wide, narrow)]
    assert shown[0] <= WIDE.most_ticks and shown[1] <= NARROW.most_ticks < shown[0]
