"""The one suppression function every insights output goes through: pages, CSV and the quarterly report.

Rule 1 (primary): a count under `THRESHOLD` people (0 to 4) is not shown; it reads "< 5".

Rule 2 (complementary): a table is shown with its row totals, column totals and grand total, so a single hidden
cell could be recovered by subtracting the others from its total. Every *line* of the table (each row with its
row total, each column with its column total, the row of column totals with the grand total, and the column of
row totals with the grand total) must therefore hide either nothing or at least two of its cells. While some
line hides exactly one, the smallest shown cell of that line is hidden too (inner cells before totals, then the
first in reading order, so the result is deterministic); this repeats until every line is safe. It never
un-hides a cell, so it ends after at most rows times columns steps.

Rule 3 (linked tables): a figure that appears in two tables on one page is hidden in both when either hides
it. The dashboard takes the figures for the whole area and for one chosen municipality from the same suppressed
table per municipality (its column totals and one of its rows), so choosing a municipality and subtracting it
from the whole cannot undo rule 2; and a form's figure hidden there is forced hidden as the total of the
quarter tables (`hide`), and the other way round.

This is the classic "at least two per line" heuristic. It stops the recovery by simple subtraction; it is not
an optimal (minimal-loss) suppression and it does not guard against interval reasoning over many published
tables. That is why everything here is coarse (quarters, municipalities) and a table of one line has its total.

A single figure (a median, a share) is a table of one cell: it is shown only when the people it rests on are at
least `THRESHOLD` (`figure_shown`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

THRESHOLD = 5
HIDDEN_TEXT = _("< 5")


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: `value` is None when it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return str(HIDDEN_TEXT) if self.value is None else str(self.value)


@dataclass(frozen=True)
class Table:
    """A suppressed table: labelled rows of cells with their row total, and the column totals with the grand total."""

    columns: list[Any]
    rows: list[tuple[Any, list[Cell], Cell]]
    column_totals: list[Cell]
    total: Cell
    has_totals: bool = True
    has_row_totals: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.rows


def suppress(
    counts: list[list[int]],
    *,
    row_labels: list[Any] | None = None,
    columns: list[Any] | None = None,
    totals: bool = True,
    hide: Iterable[tuple[int, int]] = (),
    row_totals: bool = True,
) -> Table:
    """Hide small counts and the cells needed to protect them (see the module docstring), and add the totals.

    `counts` is a list of rows of non-negative integers (people, never rows of a person). Returns a Table whose
    cells are `Cell`s; nothing hidden is kept in it, so a template or CSV cannot show it by mistake.

    `totals=False` is for figures that do not add up (the stages of a pipeline, a volunteer counted in several
    age groups): no totals are published, so there is nothing to subtract from and only rule 1 applies.

    `hide` names cells (row, column; the totals row is `len(counts)`, the totals column `len(counts[0])`) that
    must be hidden because the same figure is hidden in another table on the page: linked tables then agree.

    `row_totals=False` publishes only the column totals (for tables whose columns are different things, such as
    support forms, where a sum across a row would mean little): then only the columns are lines to protect."""
    n_rows = len(counts)
    n_cols = len(counts[0]) if counts else len(columns or [])
    # The full grid with margins: rows 0..n-1 and a totals row n; columns 0..m-1 and a totals column m.
    grid = [[*row, sum(row)] for row in counts]
    column_totals = [sum(row[j] for row in counts) for j in range(n_cols)]
    grid.append([*column_totals, sum(column_totals)])
    hidden = [[value < THRESHOLD for value in row] for row in grid]
    for i, j in hide:
        hidden[i][j] = True

    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        for i in range(n_rows + 1):
            lines.append([(i, j) for j in range(n_cols + 1)])
    for j in range(n_cols + 1 if row_totals else n_cols):
        lines.append([(i, j) for i in range(n_rows + 1)])

    changed = totals
    while changed:
        changed = False
        for line in lines:
            if len(line) < 2 or sum(hidden[i][j] for i, j in line) != 1:
                continue
            shown = [(i, j) for i, j in line if not hidden[i][j]]
            # Inner cells before margins (a total is the most useful figure to keep), then the smallest value.
            i, j = min(shown, key=lambda c: (c[0] == n_rows or c[1] == n_cols, grid[c[0]][c[1]], c))
            hidden[i][j] = True
            changed = True

    def cell(i: int, j: int) -> Cell:
        if j == n_cols and not row_totals:
            return Cell(None)
        return Cell(None if hidden[i][j] else grid[i][j])

    labels = row_labels if row_labels is not None else list(range(n_rows))
    return Table(
        columns=list(columns) if columns is not None else list(range(n_cols)),
        rows=[(labels[i], [cell(i, j) for j in range(n_cols)], cell(i, n_cols)) for i in range(n_rows)],
        column_totals=[cell(n_rows, j) for j in range(n_cols)] if totals else [Cell(None)] * n_cols,
        total=cell(n_rows, n_cols) if totals else Cell(None),
        has_totals=totals,
        has_row_totals=totals and row_totals,
    )


def figure_shown(people: int) -> bool:
    """Whether a figure that rests on this many people may be shown (the same threshold as a cell)."""
    return people >= THRESHOLD
