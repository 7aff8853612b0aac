"""The arithmetic of the figures, without the database: a figure that may be hidden, percentiles from a
histogram, shares, the Kaplan-Meier steps. Each works on the bins a grouped query returned (never on people)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from insights.suppression import HIDDEN_TEXT, figure_shown

SURVIVAL_MONTHS = (0, 3, 6, 9, 12, 18, 24)


@dataclass(frozen=True)
class Figure:
    """A single statistic that may be hidden (None) because it rests on fewer than five people."""

    value: float | None
    people: int

    def __str__(self) -> str:
        if self.value is None:
            return str(HIDDEN_TEXT) if self.people else "–"
        return f"{self.value:g}"


def figure(value: float | None, people: int) -> Figure:
    """The value rounded to one decimal, hidden when it rests on fewer than five people."""
    return Figure(round(value, 1) if value is not None and figure_shown(people) else None, people)


def percentile(histogram: list[tuple[int, int]], fraction: float) -> float | None:
    """The nearest-rank percentile from (value, how many) bins sorted by value."""
    total = sum(n for _value, n in histogram)
    if not total:
        return None
    rank, seen = fraction * total, 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return float(value)
    return float(histogram[-1][0])


def as_days(value: Any) -> int:
    """Whole days of a duration the database returned."""
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value or 0) // 86_400_000_000  # SQLite may hand back microseconds


def as_date(value: Any) -> dt.date:
    """The date of a truncated quarter or day (some databases return a datetime)."""
    return value.date() if isinstance(value, dt.datetime) else value


def share(part: int, whole: int) -> Figure:
    """A percentage, shown only when neither the part nor the rest is under five people (else one is recoverable)."""
    if whole == 0:
        return Figure(None, 0)
    shown = figure_shown(part) and figure_shown(whole - part)
    return Figure(round(100 * part / whole) if shown else None, whole)


def kaplan_meier(events: dict[int, list[int]]) -> list[tuple[int, float, int]]:
    """From {day: [ended, censored]}: per month of SURVIVAL_MONTHS the share still running (Kaplan-Meier) and how
    many matches are still followed then (lasted at least that long)."""
    at_risk = sum(ended + censored for ended, censored in events.values())
    survival, curve_by_day = 1.0, []
    for day in sorted(events):
        ended, censored = events[day]
        if at_risk:
            survival *= 1 - ended / at_risk
        curve_by_day.append((day, survival))
        at_risk -= ended + censored
    curve = []
    for months in SURVIVAL_MONTHS:
        limit = round(months * 30.44)
        value = 1.0
        for day, surv in curve_by_day:
            if day > limit:
                break
            value = surv
        still = sum(ended + censored for day, (ended, censored) in events.items() if day >= limit)
        curve.append((months, value, still))
    return curve
