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


COLUMN_WIDTH = 640
COLUMN_HEIGHT = 220
AXIS_LEFT = 56  # room for the scale's numbers
AXIS_BOTTOM = 28  # room for the labels under the columns
TOP = 18
MAX_LABELS = 8


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str  # shown under the column when `labelled`
    text: str  # the value, for the column's tooltip
    labelled: bool


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class ColumnChart:
    title: str
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    reference: Tick | None  # a line across the chart, e.g. 总户数
    width: int = COLUMN_WIDTH
    height: int = COLUMN_HEIGHT
    left: int = AXIS_LEFT
    bottom: float = COLUMN_HEIGHT - AXIS_BOTTOM

    @property
    def empty(self) -> bool:
        return not self.columns


def column_chart(
    title: str, items: Sequence[tuple[str, float, str]], reference: tuple[str, float] | None = None
) -> ColumnChart:
    """Vertical columns over time (`items`: label, value, text), on a scale from 0 to the largest value or the
    `reference` (label, value) drawn as a line; at most MAX_LABELS labels under the columns (first, last, evenly
    between)."""
    plot_top, plot_bottom = float(TOP), float(COLUMN_HEIGHT - AXIS_BOTTOM)
    top = max([reference[1] if reference else 0.0, *(float(v) for _, v, _ in items)]) or 1.0
    slot = (COLUMN_WIDTH - AXIS_LEFT - PAD) / max(len(items), 1)
    step = max(1, -(-len(items) // MAX_LABELS))

    def y_of(value: float) -> float:
        return round(plot_bottom - (plot_bottom - plot_top) * max(value, 0.0) / top, 1)

    columns = []
    for n, (label, value, text) in enumerate(items):
        y = y_of(float(value))
        last = len(items) - 1
        labelled = n == last or (n % step == 0 and last - n >= step)
        columns.append(
            Column(
                round(AXIS_LEFT + n * slot + slot * 0.1, 1),
                y,
                round(slot * 0.8, 1),
                round(plot_bottom - y, 1),
                label,
                text,
                labelled,
            )
        )
    ticks = tuple(Tick(y_of(top * f), _number(top * f)) for f in (0, 0.5, 1))
    line = Tick(y_of(reference[1]), f"{reference[0]} {_number(reference[1])}") if reference else None
    return ColumnChart(title, tuple(columns), ticks, line)


def _number(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:.1f}"
