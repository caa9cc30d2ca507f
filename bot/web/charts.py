"""Horizontal bar charts as geometry for inline SVG (templates/staff/_charts.html draws them): no script, no CDN,
and readable without the chart, since every page also shows the numbers in a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 110
ROW_HEIGHT = 30
BAR_HEIGHT = 20
PAD = 6


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown at the end of the bar
    y: int
    width: float  # in SVG units
    tone: str  # css class: "" | "warn" | "good" | "bad"


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = 0
    label_width: int = LABEL_WIDTH
    bar_area: int = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bar_height: int = BAR_HEIGHT
    row_height: int = ROW_HEIGHT

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(
    title: str, items: Sequence[tuple[str, float, str] | tuple[str, float, str, str]], scale_max: float | None = None
) -> BarChart:
    """`items`: (label, value, text[, tone]); bars are scaled to `scale_max` (default: the largest value)."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([scale_max or 0.0, *(float(i[1]) for i in items)]) or 1.0
    bars = []
    for n, item in enumerate(items):
        label, value, text = item[0], float(item[1]), item[2]
        tone = item[3] if len(item) > 3 else ""
        width = round(area * max(value, 0.0) / top, 1)
        bars.append(Bar(label, text, PAD + n * ROW_HEIGHT, width, tone))
    return BarChart(title, tuple(bars), height=PAD * 2 + ROW_HEIGHT * len(bars))


def percent_chart(title: str, items: Sequence[tuple[str, float | None]]) -> BarChart:
    """Rates on a 0–100 % scale; a missing rate (nothing to measure yet) is shown as —."""
    rows: list[tuple[str, float, str] | tuple[str, float, str, str]] = []
    for label, value in items:
        if value is None:
            rows.append((label, 0.0, "—"))
        else:
            tone = "good" if value >= 90 else "warn" if value >= 70 else "bad"
            rows.append((label, value, f"{value:.1f}%", tone))
    return bar_chart(title, rows, scale_max=100.0)
