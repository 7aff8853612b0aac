"""Geometry for the server-rendered SVG charts. Charts only draw what the suppressed tables show: a hidden cell
gets no bar, only its "< 5" label, so a chart can never reveal more than the table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insights.statistics import Figure
from insights.suppression import Table

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 110, 30, 10
# Colour-blind safe (Okabe-Ito), each with enough contrast against white for the bars' outlines.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    text_x: float
    text_y: float


def bar_chart(table: Table) -> dict[str, Any]:
    """Grouped vertical bars: one group per row of the table, one bar per column."""
    values = [cell.value or 0 for _label, cells, _total in table.rows for cell in cells]
    top = max([*values, 1])
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    groups = max(len(table.rows), 1)
    group_w = plot_w / groups
    bar_w = max(group_w * 0.8 / max(len(table.columns), 1), 2)
    bars, labels = [], []
    for g, (label, cells, _total) in enumerate(table.rows):
        x0 = LEFT + g * group_w + group_w * 0.1
        labels.append({"x": x0 + group_w * 0.4, "y": HEIGHT - BOTTOM + 16, "text": str(label)})
        for c, cell in enumerate(cells):
            h = 0 if cell.value is None else plot_h * cell.value / top
            x = x0 + c * bar_w
            bars.append(
                Bar(
                    x,
                    TOP + plot_h - h,
                    bar_w - 1,
                    h,
                    COLOURS[c % len(COLOURS)],
                    str(cell),
                    x + bar_w / 2,
                    TOP + plot_h - h - 3,
                )
            )
    legend = [
        {"colour": COLOURS[c % len(COLOURS)], "text": str(col), "y": TOP + 14 * c}
        for c, col in enumerate(table.columns)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "legend": legend,
        "axis_y": TOP + plot_h,
        "left": LEFT,
        "top": top,
    }


def survival_chart(curve: list[tuple[int, Figure]]) -> dict[str, Any]:
    """A step curve of the share still running (0-100 %) over months; points that are hidden are left out."""
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    last = max([months for months, _f in curve] or [1]) or 1
    points, ticks = [], []
    previous_y = None
    for months, figure in curve:
        x = LEFT + plot_w * months / last
        ticks.append({"x": x, "text": str(months)})
        if figure.value is None:
            continue
        y = TOP + plot_h * (1 - figure.value / 100)
        if previous_y is not None:
            points.append(f"{x:.1f},{previous_y:.1f}")
        points.append(f"{x:.1f},{y:.1f}")
        previous_y = y
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(points),
        "ticks": ticks,
        "axis_y": TOP + plot_h,
        "left": LEFT,
        "top_y": TOP,
        "tick_y": HEIGHT - BOTTOM + 16,
    }
