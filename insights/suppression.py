"""The one suppression function every insights output goes through: pages, CSV and the quarterly report.

Rule 1 (primary): a count under `THRESHOLD` people (0 to 4) is not shown; it reads "< 5".

Rule 2 (complementary): a table is shown with its row totals, column totals and grand total, so a single hidden
cell could be recovered by subtracting the others from its total. Every *line* of the table (each row with its
row total, each column with its column total, the row of column totals with the grand total, and the column of
row totals with the grand total) must therefore hide either nothing or at least two of its cells. While some
line hides exactly one, the smallest shown cell of that line is hidden too (inner cells before totals, then the
first in reading order, so the result is deterministic); this repeats until every line is safe. It never
un-hides a cell, so it ends after at most rows times columns steps.

Rule 3 (linked tables): a figure that appears in two tables is hidden in both when either hides it, and rule 2
runs again until nothing changes (`suppress_together`). Two kinds of link matter here:
- The area. Every table can be asked for the whole scope or for one municipality, and the one for the whole is
  the sum of those for the municipalities, so laying the reports side by side would undo rule 2 (the region's 13
  minus Katwijk's 10 gives Leiden's hidden 3). So each table is counted for all areas at once and suppressed as
  a `Cube` (areas x rows x columns, rule 2 along every axis, margins included); the dashboard, the report and the
  CSV, for any area, are slices of it and hide the same cells. People of municipalities outside the choice (a
  coordinator's organisation also helps elsewhere) are an area of their own: they follow by subtraction too.
- Shared totals. The matches started per form are the column totals of the quarter table and of the table per
  organisation (and the summary's figure), so those cells are linked between the two cubes.

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


Coordinate = tuple[int, int, int]


class Cube:
    """One table for every area at once, suppressed as a whole (rule 3 across the choice of area).

    `counts[a][i][j]` is the count in row i and column j of the table for area a; the areas are the municipalities
    one can choose, and possibly one more for the people of other municipalities (whose figures follow by
    subtraction, so they are protected like the others even though no page shows them). The table for the whole
    scope is the sum over the areas: the area axis always has its margin (index `len(counts)`), as the row axis
    has its totals row when `totals` and the column axis its totals column when `row_totals` as well.

    Rule 1 hides every cell (margins too) under THRESHOLD; rule 2 then runs on every line of the cube, along each
    axis that has a margin, for every position of the other two axes (margins included): a line hides none or at
    least two of its cells. So the table for one municipality, the one for the whole scope, and the tables of
    all other municipalities can be laid side by side and subtracted without recovering a hidden cell."""

    def __init__(
        self,
        counts: list[list[list[int]]],
        *,
        shape: tuple[int, int],
        totals: bool = True,
        row_totals: bool = True,
    ) -> None:
        # The shape (rows, columns) of each area's table: there may be no areas, or no rows.
        self.n_areas = len(counts)
        self.n_rows, self.n_cols = shape
        self.totals, self.row_totals = totals, totals and row_totals
        self.margins = (True, totals, self.row_totals)
        sizes = (self.n_areas, self.n_rows, self.n_cols)
        self.extent = tuple(n + 1 if margin else n for n, margin in zip(sizes, self.margins, strict=True))
        areas, rows, cols = self.extent
        self.grid = [[[0] * cols for _i in range(rows)] for _a in range(areas)]
        for a, table in enumerate(counts):
            for i, row in enumerate(table):
                for j, value in enumerate(row):
                    for aa in (a, self.n_areas):
                        for ii in (i, self.n_rows) if totals else (i,):
                            for jj in (j, self.n_cols) if self.row_totals else (j,):
                                self.grid[aa][ii][jj] += value
        self.hidden = [[[value < THRESHOLD for value in row] for row in table] for table in self.grid]

    def is_hidden(self, at: Coordinate) -> bool:
        a, i, j = at
        return self.hidden[a][i][j]

    def hide(self, at: Coordinate) -> bool:
        """Hide a cell (because a linked table hides the same figure); whether that changed anything."""
        a, i, j = at
        changed = not self.hidden[a][i][j]
        self.hidden[a][i][j] = True
        return changed

    def _lines(self) -> Iterable[list[Coordinate]]:
        sizes = (self.n_areas, self.n_rows, self.n_cols)
        for axis in range(3):
            if not self.margins[axis]:
                continue
            others = [k for k in range(3) if k != axis]
            for p in range(self.extent[others[0]]):
                for q in range(self.extent[others[1]]):
                    line = []
                    for r in range(sizes[axis] + 1):
                        at = [0, 0, 0]
                        at[axis], at[others[0]], at[others[1]] = r, p, q
                        line.append((at[0], at[1], at[2]))
                    yield line

    def protect(self) -> bool:
        """Rule 2 on every line until every line hides none or at least two cells; whether anything was hidden."""
        any_change, changed = False, True
        limits = (self.n_areas, self.n_rows, self.n_cols)
        while changed:
            changed = False
            for line in self._lines():
                if len(line) < 2 or sum(self.is_hidden(at) for at in line) != 1:
                    continue
                shown = [at for at in line if not self.is_hidden(at)]
                # Inner cells before margins (totals are the most useful figures), then the smallest value.
                at = min(
                    shown,
                    key=lambda c: (sum(x == n for x, n in zip(c, limits, strict=True)), self.grid[c[0]][c[1]][c[2]], c),
                )
                self.hide(at)
                changed = any_change = True
        return any_change

    def cell(self, at: Coordinate) -> Cell:
        a, i, j = at
        return Cell(None if self.hidden[a][i][j] else self.grid[a][i][j])

    def table(self, area: int | None, *, row_labels: list[Any], columns: list[Any]) -> Table:
        """The table for one area (None: the whole scope), with the cube's pattern of hidden cells."""
        a = self.n_areas if area is None else area
        R, C = self.n_rows, self.n_cols
        none = Cell(None)
        return Table(
            columns=list(columns),
            rows=[
                (
                    row_labels[i],
                    [self.cell((a, i, j)) for j in range(C)],
                    self.cell((a, i, C)) if self.row_totals else none,
                )
                for i in range(R)
            ],
            column_totals=[self.cell((a, R, j)) for j in range(C)] if self.totals else [none] * C,
            total=self.cell((a, R, C)) if self.row_totals else none,
            has_totals=self.totals,
            has_row_totals=self.row_totals,
        )

    def areas_table(self, row: int, *, area_labels: list[Any], columns: list[Any]) -> Table:
        """One row of every area's table, the areas as rows and the whole scope as the column totals (the table per
        municipality): the same cells, so it agrees with every area's own table."""
        C = self.n_cols
        return Table(
            columns=list(columns),
            rows=[
                (area_labels[a], [self.cell((a, row, j)) for j in range(C)], Cell(None)) for a in range(self.n_areas)
            ],
            column_totals=[self.cell((self.n_areas, row, j)) for j in range(C)],
            total=Cell(None),
            has_totals=True,
            has_row_totals=False,
        )


def suppress_together(cubes: list[Cube], links: Iterable[list[tuple[Cube, Coordinate]]] = ()) -> None:
    """Rules 1 and 2 in every cube, and rule 3 between them: cells that are the same figure (each list in `links`)
    are hidden in all when one hides it; then rule 2 runs again, until nothing changes. It only ever hides, so it
    ends."""
    links = [list(group) for group in links]
    changed = True
    while changed:
        changed = False
        for cube in cubes:
            changed |= cube.protect()
        for group in links:
            if any(cube.is_hidden(at) for cube, at in group):
                for cube, at in group:
                    changed |= cube.hide(at)
