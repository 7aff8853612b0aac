"""The one suppression function every insights output goes through: pages, CSV and the quarterly report.

Rule 1 (primary): a count under `THRESHOLD` people (0 to 4) is not shown; it reads "< 5".

Rule 2 (lines, quick): a table is shown with its row totals, column totals and grand total, so a single hidden
cell could be recovered by subtracting the others from its total. Every *line* of the table (each row with its
row total, each column with its column total, the row of column totals with the grand total, and the column of
row totals with the grand total) must therefore hide either nothing or at least two of its cells. While some
line hides exactly one, the smallest shown cell of that line is hidden too (inner cells before totals, then the
first in reading order, so the result is deterministic). This is cheap and settles most tables, but alone it is
not enough: in "JIM 68, < 5, < 5, total 69" every line hides two cells, yet the two hidden ones add up to 1, so
each is 0 or 1, and through linked tables a hidden cell could even be fixed exactly.

Rule 3 (linked tables): a figure that appears in two tables is hidden in both when either hides it, and the
rules run again until nothing changes (`suppress_together`). Two kinds of link matter here:
- The area. Every table can be asked for the whole scope or for one municipality, and the one for the whole is
  the sum of those for the municipalities, so laying the reports side by side would undo rule 2 (the region's 13
  minus Katwijk's 10 gives Leiden's hidden 3). So each table is counted for all areas at once and suppressed as
  a `Cube` (areas x rows x columns, margins included); the dashboard, the report and the CSV, for any area, are
  slices of it and hide the same cells. People of municipalities outside the choice (a coordinator's
  organisation also helps elsewhere) are an area of their own: they follow by subtraction too.
- Shared totals. The matches started per form are the column totals of the quarter table and of the table per
  organisation (and the summary's figure), so those cells are linked between the two cubes.

Rule 4 (what an attacker can work out, exactly): everything published together (the cubes and their links) is a
system of linear equations over the hidden counts: every shown total says "these cells add up to this", every
shown inner cell is a known number, two linked hidden figures are equal, and every count is at least 0. For each
hidden cell we solve the two linear programmes "how small / how large can this cell be, given all of that"
(`scipy.optimize.linprog`) and require:
- every hidden count of people can take more than one value: max - min >= 1 (so it is not fixed by the
  equations, which is the rank condition, nor by the equations together with "counts are not negative");
- every count of 1 to 4 people (hidden by rule 1) keeps a protection interval of at least `PROTECTION` =
  THRESHOLD - 1 = 4: max - min >= 4, so the published figures leave at least five possible values, as many as
  "< 5" itself (0 to 4) leaves. A narrower range tells more than the label does; at the extreme "0 or 1" (the
  report: JIM 68 + "< 5" + "< 5" = 69).
- A hidden 0 need not be protected: it is nobody, so working it out discloses no one. Protecting zeros too
  would hide whole sparse tables (measured: a roll-up with a few municipalities and forms without matches then
  hid every cell of every table, the region's total of JIM requests too, to keep "Katwijk: 0" from following
  from "Leiden 10, region 10"). Zeros still read "< 5" (rule 1), and their unknowns still count in the ranges of
  the others.
While a cell fails, one more shown cell is hidden: of the shown cells the solver's dual values name as ones the
range depends on (hiding them widens it), the first inner cell before totals, the smallest, in reading order;
when the duals name none, the smallest shown cell of a line through it. Then rules 2 and 3 run again. Hiding
never narrows a range, so a cell once safe stays safe and is not solved again, and it ends: at the latest when
everything is hidden. A cheap certificate (moving along the null space of the equations from the true counts)
proves most cells safe without solving; the pattern of hidden cells is cached under a digest of the counts.

What this guarantees: from the figures published together (one cube, or the cubes `suppress_together` gets with
their links), no hidden count of people can be computed exactly, and no count of 1 to 4 can be narrowed to a
range of fewer than five values, by any linear reasoning over those figures and non-negativity (subtraction,
the two-cell "adds up to 1" case, intervals, long chains across areas and linked tables).
What it does not guarantee:
- The ranges are those of real numbers (the linear relaxation). For a plain table (rows and columns) the bounds
  are whole numbers anyway; for a three-way cube an attacker who also uses that counts are whole numbers can in
  rare cases get a slightly narrower range.
- Only what is suppressed together is protected together. The tables that are not linked here (requests,
  matches running, endings, outcomes at closure, volunteers) have no exact relation to each other that the code
  knows of; a new table that has one must be linked in `suppress_together`, and a figure outside the tables (a
  median, a share) follows `figure_shown`.
- Knowledge from outside (someone who knows four of five people in a cell) is not modelled; nor which hidden
  cell was hidden by rule 1 and which to protect another: the pages say both read "< 5".
- It is not an optimal (minimal-loss) suppression: the order above is a heuristic that keeps totals and hides
  small cells first.

A single figure (a median, a share) is a table of one cell: it is shown only when the people it rests on are at
least `THRESHOLD` (`figure_shown`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from scipy.linalg import null_space
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

THRESHOLD = 5
# The width a cell hidden by rule 1 must keep between the smallest and largest value the published figures allow.
PROTECTION = THRESHOLD - 1
HIDDEN_TEXT = _("< 5")
# Solver round-off: ranges are compared with this much slack (counts are whole numbers, so it never decides).
_EPSILON = 1e-6


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
    # A table is a cube of one area without an area total (so no axis of areas to protect).
    cube = Cube([counts], shape=(n_rows, n_cols), totals=totals, row_totals=row_totals, area_totals=False)
    for i, j in hide:
        if (0, i, j) in cube:
            cube.hide((0, i, j))
    suppress_together([cube])
    return cube.table(
        0,
        row_labels=row_labels if row_labels is not None else list(range(n_rows)),
        columns=list(columns) if columns is not None else list(range(n_cols)),
    )


def figure_shown(people: int) -> bool:
    """Whether a figure that rests on this many people may be shown (the same threshold as a cell)."""
    return people >= THRESHOLD


Coordinate = tuple[int, int, int]
# A cell among cubes published together: (index of the cube, coordinate).
Place = tuple[int, Coordinate]
# The dual values of the two linear programmes of a cell (row of the equations: value), see `_Equations.scores`.
Duals = tuple[dict[int, float], dict[int, float]]


class Cube:
    """One table for every area at once, suppressed as a whole (rule 3 across the choice of area).

    `counts[a][i][j]` is the count in row i and column j of the table for area a; the areas are the municipalities
    one can choose, and possibly one more for the people of other municipalities (whose figures follow by
    subtraction, so they are protected like the others even though no page shows them). The table for the whole
    scope is the sum over the areas: the area axis has its margin (index `len(counts)`) unless `area_totals` is
    off (a plain table, `suppress`), as the row axis has its totals row when `totals` and the column axis its
    totals column when `row_totals` as well.

    Rule 1 hides every cell (margins too) under THRESHOLD; rule 2 then runs on every line of the cube, along each
    axis that has a margin, for every position of the other two axes (margins included): a line hides none or at
    least two of its cells; rule 4 (`suppress_together`, which `protect` calls) checks every hidden cell against
    everything the cube shows. So the table for one municipality, the one for the whole scope, and the tables of
    all other municipalities can be laid side by side without recovering or narrowing down a hidden cell."""

    def __init__(
        self,
        counts: list[list[list[int]]],
        *,
        shape: tuple[int, int],
        totals: bool = True,
        row_totals: bool = True,
        area_totals: bool = True,
    ) -> None:
        # The shape (rows, columns) of each area's table: there may be no areas, or no rows.
        self.n_areas = len(counts)
        self.n_rows, self.n_cols = shape
        self.totals, self.row_totals = totals, totals and row_totals
        self.margins = (area_totals, totals, self.row_totals)
        self.sizes = (self.n_areas, self.n_rows, self.n_cols)
        self.extent = tuple(n + 1 if margin else n for n, margin in zip(self.sizes, self.margins, strict=True))
        areas, rows, cols = self.extent
        self.grid = [[[0] * cols for _i in range(rows)] for _a in range(areas)]
        for a, table in enumerate(counts):
            for i, row in enumerate(table):
                for j, value in enumerate(row):
                    for aa in (a, self.n_areas) if area_totals else (a,):
                        for ii in (i, self.n_rows) if totals else (i,):
                            for jj in (j, self.n_cols) if self.row_totals else (j,):
                                self.grid[aa][ii][jj] += value
        self.hidden = [[[value < THRESHOLD for value in row] for row in table] for table in self.grid]
        # Rule 1's cells: they need the protection interval, the others only not to be fixed.
        self.primary = frozenset(at for at in self.cells() if self.is_hidden(at))
        # The order rule 2 reads the lines in; a plain table reads its rows before its columns, as it always did.
        self._axes = (0, 1, 2) if area_totals else (2, 1)

    def __contains__(self, at: Coordinate) -> bool:
        return all(0 <= x < n for x, n in zip(at, self.extent, strict=True))

    def cells(self) -> Iterable[Coordinate]:
        """Every cell, margins included, in reading order."""
        areas, rows, columns = self.extent
        return itertools.product(range(areas), range(rows), range(columns))

    def is_inner(self, at: Coordinate) -> bool:
        return all(x < n for x, n in zip(at, self.sizes, strict=True))

    def cover(self, at: Coordinate) -> Iterable[Coordinate]:
        """The inner cells a cell adds up (itself when it is inner)."""
        a, i, j = (range(n) if x == n else (x,) for x, n in zip(at, self.sizes, strict=True))
        return itertools.product(a, i, j)

    def value(self, at: Coordinate) -> int:
        a, i, j = at
        return self.grid[a][i][j]

    def is_hidden(self, at: Coordinate) -> bool:
        a, i, j = at
        return self.hidden[a][i][j]

    def hide(self, at: Coordinate) -> bool:
        """Hide a cell (because a linked table hides the same figure); whether that changed anything."""
        a, i, j = at
        changed = not self.hidden[a][i][j]
        self.hidden[a][i][j] = True
        return changed

    def hidden_count(self) -> int:
        return sum(self.is_hidden(at) for at in self.cells())

    def _line(self, axis: int, through: Coordinate) -> list[Coordinate]:
        line = []
        for r in range(self.sizes[axis] + 1):
            at = list(through)
            at[axis] = r
            line.append((at[0], at[1], at[2]))
        return line

    def _lines(self) -> Iterable[list[Coordinate]]:
        for axis in self._axes:
            if not self.margins[axis]:
                continue
            others = [k for k in range(3) if k != axis]
            for p in range(self.extent[others[0]]):
                for q in range(self.extent[others[1]]):
                    at = [0, 0, 0]
                    at[others[0]], at[others[1]] = p, q
                    yield self._line(axis, (at[0], at[1], at[2]))

    def lines_through(self, at: Coordinate) -> list[list[Coordinate]]:
        """The lines (a cell with the others that add up to the same total) that a cell lies on."""
        return [self._line(axis, at) for axis in self._axes if self.margins[axis]]

    def rank(self, at: Coordinate) -> tuple[int, int, Coordinate]:
        """The order in which shown cells are hidden to protect others: inner cells before margins (totals are the
        most useful figures), then the smallest value, then reading order."""
        return (sum(x == n for x, n in zip(at, self.sizes, strict=True)), self.value(at), at)

    def _protect_lines(self) -> bool:
        """Rule 2 on every line until every line hides none or at least two cells; whether anything was hidden."""
        any_change, changed = False, True
        while changed:
            changed = False
            for line in self._lines():
                if len(line) < 2 or sum(self.is_hidden(at) for at in line) != 1:
                    continue
                self.hide(min((at for at in line if not self.is_hidden(at)), key=self.rank))
                changed = any_change = True
        return any_change

    def protect(self) -> bool:
        """Rules 1, 2 and 4 for this cube on its own (`suppress_together`); whether anything was hidden."""
        before = self.hidden_count()
        suppress_together([self])
        return self.hidden_count() != before

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
    """Rules 1 to 4 over cubes published together: rule 2 in every cube, rule 3 between them (cells that are the
    same figure, each list in `links`, are hidden in all when one hides it), until nothing changes; then rule 4
    over everything at once, and again from the start while rule 4 hides a cell. It only ever hides, so it
    ends."""
    links = [list(group) for group in links]
    index = {id(cube): k for k, cube in enumerate(cubes)}
    groups = [[(index[id(cube)], at) for cube, at in group] for group in links]
    key = _cache_key(cubes, groups)
    if key is not None:
        known = _cache_get(key)
        if known is None:
            known = _answer_of_another_solver(key)
        if known is not None and len(known) == len(cubes):
            for cube, hidden in zip(cubes, known, strict=True):
                cube.hidden = hidden
            return
    # One BLAS thread: the null spaces are small, and several threads on a busy server wait for each other
    # (measured: a 200 x 250 null space took 1.2 s with two threads on two busy cores, 0.06 s with one).
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            _suppress_together(cubes, links, groups)
        if key is not None:
            _cache_set(key, [cube.hidden for cube in cubes])
    finally:
        if key is not None:  # the answer is in the cache before the claim ends, or the solving failed
            _cache_delete(key + SOLVING)


# Rule 4 costs linear programmes (seconds for a region of many municipalities), and its result depends only on
# the counts: the pattern of hidden cells is kept in the cache under a digest of everything it depends on, so the
# dashboard, the report and the CSV of the same roll-up solve once. Small tables are quicker to solve again.
CACHE_SECONDS = 24 * 60 * 60
_CACHE_MIN_CELLS = 60


def _cache_key(cubes: list[Cube], groups: list[list[Place]]) -> str | None:
    if sum(len(list(cube.cells())) for cube in cubes) < _CACHE_MIN_CELLS:
        return None
    state = [(cube.margins, cube.grid, cube.hidden) for cube in cubes], groups, PROTECTION, THRESHOLD
    return "insights:suppression:" + hashlib.sha256(json.dumps(state).encode()).hexdigest()


# One solver per pattern at a time. After the nightly roll-up the counts are new, so the first views of a region's
# dashboard all miss the cache; each solving it again cost seconds of CPU at once (bench/pages.py: the dashboard took
# 25 s under 50 clients, where one view took 5 s cold and 50 ms after). The first page claims the solving; a page
# that finds the claim waits for the answer, and solves itself only when none comes (the claim ends on its own).
SOLVING = ":solving"
SOLVE_WAIT_SECONDS = 30.0
_SOLVE_POLL_SECONDS = 0.1


def _answer_of_another_solver(key: str) -> list[list[list[list[bool]]]] | None:
    """None when this caller claimed the solving of `key` (or the cache is away); else the answer of the page that
    holds the claim, waited for up to SOLVE_WAIT_SECONDS (None when it does not come: solve here)."""
    try:
        if cache.add(key + SOLVING, True, SOLVE_WAIT_SECONDS):
            return None
    except RedisError:
        return None
    deadline = time.monotonic() + SOLVE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(_SOLVE_POLL_SECONDS)
        found = _cache_get(key)
        if found is not None:
            return found
    return None


def _cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except RedisError:
        pass


def _cache_get(key: str) -> list[list[list[list[bool]]]] | None:
    try:
        found = cache.get(key)
    except RedisError:  # the cache is a help, never a need: solve again
        return None
    return found if isinstance(found, list) else None


def _cache_set(key: str, value: list[list[list[list[bool]]]]) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except RedisError:
        pass


def _suppress_together(
    cubes: list[Cube], links: list[list[tuple[Cube, Coordinate]]], groups: list[list[Place]]
) -> None:
    safe: set[Place] = set()
    while True:
        changed = True
        while changed:
            changed = False
            for cube in cubes:
                changed |= cube._protect_lines()
            for group in links:
                if any(cube.is_hidden(at) for cube, at in group):
                    for cube, at in group:
                        changed |= cube.hide(at)
        equations = _Equations(cubes, groups)
        unsafe = equations.unsafe(safe)
        if not unsafe:
            return
        # One more hidden cell for each failing cell, unless a cell hidden for an earlier one also widens its range
        # (then the next round checks again).
        hidden_now: set[Place] = set()
        for place, duals in unsafe:
            scores = equations.scores(place, duals)
            if any(scores.get(p, 0.0) > _EPSILON for p in hidden_now):
                continue
            pick = _complement(cubes, place, scores)
            if pick is None:  # nothing left to hide: cannot happen, as then nothing is published
                return
            cubes[pick[0]].hide(pick[1])
            hidden_now.add(pick)


def _complement(cubes: list[Cube], place: Place, scores: dict[Place, float]) -> Place | None:
    """The shown cell to hide for a cell that the published figures pin down.

    Of the shown cells whose hiding widens the cell's range (a positive score: the solver's dual values say the
    range depends on them), the first by `Cube.rank`: inner cells before totals, then the smallest. When the
    duals name none (a degenerate solution), the first shown cell on a line through it, else anywhere."""
    helpful = [(cubes[k].rank(at), k, at) for (k, at), score in scores.items() if score > _EPSILON]
    if helpful:
        _rank, k, at = min(helpful)
        return k, at
    k, at = place
    cube = cubes[k]
    on_lines = [c for line in cube.lines_through(at) for c in line if not cube.is_hidden(c)]
    if on_lines:
        return k, min(on_lines, key=cube.rank)
    shown = [(cubes[m].rank(c), m, c) for m in range(len(cubes)) for c in cubes[m].cells() if not cubes[m].is_hidden(c)]
    if shown:
        _rank, m, c = min(shown)
        return m, c
    return None


class _Equations:
    """What the published figures say about the hidden ones: A x = b over the hidden inner cells x >= 0.

    Each row is a shown total (its hidden cells add up to its value minus its shown cells) or a link between
    hidden figures (equal). For every row we keep which shown cells it folded into b, and for every shown total
    its row, so that the dual values of a linear programme can say which shown cell, once hidden, widens a range."""

    def __init__(self, cubes: list[Cube], groups: list[list[Place]]) -> None:
        self.cubes = cubes
        self.unknown: dict[Place, int] = {}
        for k, cube in enumerate(cubes):
            for at in cube.cells():
                if cube.is_inner(at) and cube.is_hidden(at):
                    self.unknown[(k, at)] = len(self.unknown)
        rows: list[tuple[dict[int, int], int]] = []
        # For every shown cell, the rows it is part of, with its coefficient (a total: the row it states).
        self.rows_of: dict[Place, list[tuple[int, int]]] = {}
        for k, cube in enumerate(cubes):
            for at in cube.cells():
                if not cube.is_hidden(at) and not cube.is_inner(at):
                    form, known, shown = self._form(k, at)
                    if form:
                        self._note(len(rows), shown, 1)
                        self.rows_of.setdefault((k, at), []).append((len(rows), 1))
                        rows.append((form, cube.value(at) - known))
        for group in groups:
            if not all(cubes[k].is_hidden(at) for k, at in group):
                continue  # shown in all: equal numbers, nothing new
            first, first_known, first_shown = self._form(*group[0])
            for k, at in group[1:]:
                other, other_known, other_shown = self._form(k, at)
                difference = {x: first.get(x, 0) - other.get(x, 0) for x in first.keys() | other.keys()}
                difference = {x: c for x, c in difference.items() if c}
                if difference:
                    self._note(len(rows), first_shown, 1)
                    self._note(len(rows), other_shown, -1)
                    rows.append((difference, other_known - first_known))
        n = len(self.unknown)
        self.A = np.zeros((len(rows), n))
        self.b = np.array([rhs for _form, rhs in rows], dtype=float)
        for r, (form, _rhs) in enumerate(rows):
            for x, c in form.items():
                self.A[r, x] = c
        # Unknowns that share an equation are solved together; the rest of the system does not bound them.
        parent = list(range(n))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for form, _rhs in rows:
            xs = sorted(form)
            for x in xs[1:]:
                parent[find(x)] = find(xs[0])
        self.component = [find(x) for x in range(n)]
        self.bounded = {x for form, _rhs in rows for x in form}
        self._directions: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._systems: dict[frozenset[int], tuple[list[int], np.ndarray, csr_matrix, np.ndarray]] = {}
        self.value = np.zeros(n)
        for (k, at), x in self.unknown.items():
            self.value[x] = cubes[k].value(at)

    def _note(self, row: int, shown: list[Place], coefficient: int) -> None:
        for place in shown:
            self.rows_of.setdefault(place, []).append((row, coefficient))

    def _form(self, k: int, at: Coordinate) -> tuple[dict[int, int], int, list[Place]]:
        """A cell as (coefficients over the unknowns, the shown part of its sum, the shown cells in that part)."""
        cube, known = self.cubes[k], 0
        form: dict[int, int] = {}
        shown: list[Place] = []
        for inner in cube.cover(at):
            x = self.unknown.get((k, inner))
            if x is None:
                known += cube.value(inner)
                shown.append((k, inner))
            else:
                form[x] = form.get(x, 0) + 1
        return form, known, shown

    def _free_directions(self, component: int) -> tuple[np.ndarray, np.ndarray]:
        """The unknowns of a component, and an orthonormal basis of the ways they can all move together without
        changing a published figure or a hidden 0 (the null space of its equations and those zeros)."""
        if component not in self._directions:
            columns = np.array([x for x in range(len(self.component)) if self.component[x] == component])
            rows = np.flatnonzero(np.abs(self.A[:, columns]).sum(axis=1))
            # A hidden 0 cannot go down: the directions keep it where it is (its column is left out).
            columns = columns[self.value[columns] > 0]
            self._directions[component] = (columns, null_space(self.A[np.ix_(rows, columns)]))
        return self._directions[component]

    def certainly_wide(self, form: dict[int, int], needed: float) -> bool:
        """A cheap proof that a hidden cell's range is at least `needed`, without solving: from the true values,
        move along the direction that changes the cell fastest without changing any published figure or hidden 0,
        as far as no count becomes negative either way. False only means "not proven": then `wide_enough` decides."""
        if not form or any(x not in self.bounded for x in form):
            return bool(form)
        components = {self.component[x] for x in form}
        if len(components) > 1:
            return False
        columns, basis = self._free_directions(components.pop())
        if not basis.size:
            return False
        f = np.array([form.get(int(x), 0) for x in columns], dtype=float)
        g = basis.T @ f
        speed = float(g @ g)
        if speed < _EPSILON:
            return False
        d, x = basis @ g, self.value[columns]
        up = [x[i] / -d[i] for i in range(len(d)) if d[i] < -_EPSILON]
        down = [x[i] / d[i] for i in range(len(d)) if d[i] > _EPSILON]
        return (min(up, default=float("inf")) + min(down, default=float("inf"))) * speed >= needed - _EPSILON

    def _system(self, components: frozenset[int]) -> tuple[list[int], np.ndarray, csr_matrix, np.ndarray]:
        """The unknowns, rows, matrix and right-hand side of some components (kept: many cells share them)."""
        if components not in self._systems:
            columns = [x for x in range(len(self.component)) if self.component[x] in components]
            rows = np.flatnonzero(np.abs(self.A[:, columns]).sum(axis=1))
            matrix = csr_matrix(self.A[np.ix_(rows, np.array(columns, dtype=int))])
            self._systems[components] = (columns, rows, matrix, self.b[rows])
        return self._systems[components]

    def wide_enough(self, form: dict[int, int], value: int, needed: float) -> tuple[bool, Duals]:
        """Whether max - min of a hidden cell (true value `value`) over A x = b, x >= 0 is at least `needed`, and
        when not, the dual values of the programmes solved (for `scores`). The maximum first: when it is below
        `needed` the cell fails and when it is `needed` above the true value it passes, without the minimum."""
        if not form:
            return False, ({}, {})
        if any(x not in self.bounded for x in form):
            return True, ({}, {})  # a count no published figure mentions can be as large as one likes
        columns, rows, A, b = self._system(frozenset(self.component[x] for x in form))
        c = np.array([form.get(x, 0) for x in columns], dtype=float)
        highest = linprog(-c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        if highest.status == 3:  # unbounded
            return True, ({}, {})
        if highest.status != 0:
            return False, ({}, {})  # the solver gave no answer: treat the cell as not safe, so more is hidden
        top = -float(highest.fun)
        upper = {int(r): float(y) for r, y in zip(rows, highest.eqlin.marginals, strict=True)}
        if top < needed - _EPSILON:
            return False, (upper, {})
        if top - value >= needed - _EPSILON:
            return True, (upper, {})
        lowest = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        if lowest.status != 0:
            return False, (upper, {})
        if top - float(lowest.fun) >= needed - _EPSILON:
            return True, (upper, {})
        return False, (upper, {int(r): float(y) for r, y in zip(rows, lowest.eqlin.marginals, strict=True)})

    def unsafe(self, safe: set[Place]) -> list[tuple[Place, Duals]]:
        """The hidden cells whose range is too narrow, in order, with their duals; the others are added to `safe`
        (hiding more only widens a range, so they need no second look)."""
        found = []
        for k, cube in enumerate(self.cubes):
            for at in cube.cells():
                if not cube.is_hidden(at) or (k, at) in safe:
                    continue
                # A hidden 0 may follow (nobody is there to protect, see the module docstring); a count of people
                # must not, and one under THRESHOLD keeps its protection interval.
                needed = 0 if cube.value(at) == 0 else PROTECTION if at in cube.primary else 1
                if needed == 0:
                    safe.add((k, at))
                    continue
                form, _known, _shown = self._form(k, at)
                if self.certainly_wide(form, needed):
                    safe.add((k, at))
                    continue
                wide, duals = self.wide_enough(form, cube.value(at), needed)
                if wide:
                    safe.add((k, at))
                else:
                    found.append(((k, at), duals))
        return found

    def scores(self, place: Place, duals: Duals) -> dict[Place, float]:
        """How much hiding each shown cell would widen the range of a hidden one, to first order: the reduced cost
        of the shown cell as a new unknown, in the programme for the maximum plus the one for the minimum (a
        shown cell is at least THRESHOLD, so it can move either way). Zero: it does not help, at this solution."""
        k, at = place
        cover = set(self.cubes[k].cover(at))
        result = {}
        for (m, shown), rows in self.rows_of.items():
            own = 1.0 if m == k and shown in cover else 0.0
            highest = -own - sum(c * duals[0].get(r, 0.0) for r, c in rows)
            lowest = own - sum(c * duals[1].get(r, 0.0) for r, c in rows)
            if self.cubes[m].is_inner(shown):
                result[(m, shown)] = abs(highest) + abs(lowest)
            else:  # a total: hiding it drops its own row
                result[(m, shown)] = sum(abs(duals[0].get(r, 0.0)) + abs(duals[1].get(r, 0.0)) for r, _c in rows[:1])
        return result
