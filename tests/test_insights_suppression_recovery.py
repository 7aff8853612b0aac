"""An attacker's view of the suppressed tables (issue 18, "Suppression that holds"): take only what is published,
write it down as linear equations over the true counts, and try to recover every hidden cell by linear algebra
(is the cell fixed by the equations: a rank check) and by linear programming (how small and how large can it be,
given the equations and that counts are not negative: scipy's linprog). The suppression passes when no hidden
count of people is fixed and every count under 5 keeps a range of at least `PROTECTION` (4: five values, as many
as "< 5" itself leaves). A hidden 0 may be worked out: it is nobody (the suppression module says why).

The attacker here is written separately from insights.suppression on purpose: it reads the Tables and Cubes
through what a page or CSV shows (a value or hidden), not through the suppression's own equations."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from accounts.models import Municipality, Role, RoleAssignment
from insights.services import tally_refresh
from insights.sources import FORM_BY_KEY, FORMS, SOCIAL_BROKER
from insights.suppression import PROTECTION, THRESHOLD, Cube, Table, suppress, suppress_together
from tests.builders.insights import broker_request, export, jim, person, places
from tests.factories import CaseFactory, OrganisationFactory, user_with_role

Coordinate = tuple[int, int, int]
# The fixtures of test_insights.py: its places (Leiden and Katwijk in Holland Rijnland, Maastricht elsewhere).
__all__ = ["places"]


@dataclass
class Attack:
    """Unknowns (the true inner counts of every cube), and what the published figures say about them."""

    n: int = 0
    rows: list[np.ndarray] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    # Every hidden cell: its true value and its sum as a vector over the unknowns.
    hidden: list[tuple[str, int, np.ndarray]] = field(default_factory=list)

    def equation(self, form: np.ndarray, value: float) -> None:
        self.rows.append(form)
        self.rhs.append(value)

    def fixed(self, form: np.ndarray) -> bool:
        """The rank check: the cell is a combination of published equations (its vector is in their row space)."""
        if not self.rows:
            return not form.any()
        A = np.array(self.rows)
        return bool(np.linalg.matrix_rank(np.vstack([A, form])) == np.linalg.matrix_rank(A))

    def interval(self, form: np.ndarray) -> tuple[float, float]:
        """The smallest and largest value the cell can take (inf when it has no upper bound)."""
        A = np.array(self.rows) if self.rows else np.zeros((0, self.n))
        b = np.array(self.rhs)
        low = linprog(form, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        high = linprog(-form, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        assert low.status == 0, "the published figures must at least be consistent with the true counts"
        return float(low.fun), float("inf") if high.status == 3 else float(-high.fun)

    def recovered(self) -> list[str]:
        """Every hidden cell that the published figures give away: fixed, or narrowed below the protection level."""
        found = []
        for name, value, form in self.hidden:
            if value == 0:
                continue
            if self.fixed(form):
                found.append(f"{name} = {value} follows from the published figures")
                continue
            low, high = self.interval(form)
            needed = PROTECTION if value < THRESHOLD else 1
            if high - low < needed - 1e-6:
                found.append(f"{name} = {value} lies between {low:g} and {high:g}")
        return found


def attack_cubes(cubes: list[Cube], links: Sequence[list[tuple[Cube, Coordinate]]] = ()) -> Attack:
    """The equations of cubes published together: every shown cell (inner or a total) states the sum of the inner
    cells it covers; two linked cells are the same figure, shown or not."""
    attack = Attack()
    offset: dict[int, int] = {}
    for cube in cubes:
        offset[id(cube)] = attack.n
        attack.n += cube.n_areas * cube.n_rows * cube.n_cols
    sizes = {id(cube): (cube.n_areas, cube.n_rows, cube.n_cols) for cube in cubes}

    def form(cube: Cube, at: Coordinate) -> np.ndarray:
        vector = np.zeros(attack.n)
        _areas, n_rows, n_cols = sizes[id(cube)]
        ranges = [range(size) if x == size else (x,) for x, size in zip(at, sizes[id(cube)], strict=True)]
        for a, i, j in itertools.product(*ranges):
            vector[offset[id(cube)] + (a * n_rows + i) * n_cols + j] = 1
        return vector

    for number, cube in enumerate(cubes):
        for coordinate in itertools.product(*(range(n) for n in cube.extent)):
            at = cast(Coordinate, coordinate)  # a cube has three dimensions: its extent has three sizes
            cell = cube.cell(at)
            if cell.value is None:
                attack.hidden.append((f"cube {number} cell {at}", cube.value(at), form(cube, at)))
            else:
                attack.equation(form(cube, at), cell.value)
    for group in links:
        first = form(*group[0])
        for cube, at in group[1:]:
            attack.equation(first - form(cube, at), 0)
    return attack


def attack_table(table: Table, counts: list[list[int]]) -> Attack:
    """The equations of one published table, read off the Table as a page shows it (the true counts only to name
    the hidden cells' values)."""
    n_rows, n_cols = len(counts), len(table.columns)
    attack = Attack(n=n_rows * n_cols)

    def form(cells: list[tuple[int, int]]) -> np.ndarray:
        vector = np.zeros(attack.n)
        for i, j in cells:
            vector[i * n_cols + j] = 1
        return vector

    def see(name: str, cell: object, cells: list[tuple[int, int]], value: int) -> None:
        shown = getattr(cell, "value", None)
        if shown is None:
            attack.hidden.append((name, value, form(cells)))
        else:
            assert shown == value
            attack.equation(form(cells), shown)

    for i, (_label, cells, total) in enumerate(table.rows):
        for j, cell in enumerate(cells):
            see(f"row {i} column {j}", cell, [(i, j)], counts[i][j])
        if table.has_row_totals:
            see(f"total of row {i}", total, [(i, j) for j in range(n_cols)], sum(counts[i]))
    if table.has_totals:
        for j, cell in enumerate(table.column_totals):
            see(f"total of column {j}", cell, [(i, j) for i in range(n_rows)], sum(row[j] for row in counts))
        if table.has_row_totals:
            everything = [(i, j) for i in range(n_rows) for j in range(n_cols)]
            see("grand total", table.total, everything, sum(map(sum, counts)))
    return attack


# Small counts, mostly under the threshold and some zeros: the hard cases.
COUNT = st.one_of(st.integers(0, 4), st.integers(0, 20))


def test_68_and_two_small_counts_with_a_total_of_69_are_no_longer_published() -> None:
    """The report: matches started per organisation read JIM 68 + "< 5" + "< 5" = 69, so the two hidden ones were
    0 and 1. The old rule (every line hides none or at least two) allowed exactly that table."""
    counts = [[1, 6], [68, 30], [0, 7]]
    table = suppress(counts, row_labels=["A", "B", "C"], columns=["JIM", "support family"])
    jim = [cells[0] for _label, cells, _total in table.rows]
    assert jim[0].hidden and jim[2].hidden
    assert not (jim[1].value == 68 and table.column_totals[0].value == 69)
    assert attack_table(table, counts).recovered() == []


def test_the_old_rule_alone_would_have_given_the_report_away() -> None:
    """The attacker can fail: the old rule 2's pattern for the table above gives the 1 away as "0 or 1"."""
    counts = [[1, 6], [68, 30], [0, 7]]
    attack = Attack(n=6)
    for i, j, value in [(1, 0, 68), (1, 1, 30)]:
        attack.equation(np.eye(6)[i * 2 + j], value)
    attack.equation(np.array([1, 0, 1, 0, 1, 0.0]), 69)  # the JIM column total
    attack.equation(np.array([0, 1, 0, 1, 0, 1.0]), 43)
    attack.equation(np.array([1, 1, 0, 0, 0, 0.0]), 7)  # the row totals stay shown
    attack.equation(np.array([0, 0, 0, 0, 1, 1.0]), 7)
    attack.hidden = [("A, JIM", counts[0][0], np.eye(6)[0])]
    assert attack.recovered() == ["A, JIM = 1 lies between 0 and 1"]


def test_a_table_of_one_small_row_hides_enough_to_keep_a_range_of_five() -> None:
    # 2 + 1 = 3 in one column: a range of 0 to 3 is narrower than "< 5" says, so a third cell is hidden.
    counts = [[2], [1], [40]]
    table = suppress(counts, row_totals=False)
    assert [cells[0].hidden for _label, cells, _total in table.rows] == [True, True, True]
    assert table.column_totals[0].value == 43
    assert attack_table(table, counts).recovered() == []


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.booleans(), st.booleans()).flatmap(
        lambda shape: st.tuples(
            st.just(shape),
            st.lists(st.lists(COUNT, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0]),
        )
    )
)
def test_no_hidden_cell_of_a_table_can_be_recovered(data: tuple[Any, ...]) -> None:
    (_rows, _columns, totals, row_totals), counts = data
    table = suppress(counts, totals=totals, row_totals=row_totals)
    assert attack_table(table, counts).recovered() == []
    for (_label, cells, _total), row in zip(table.rows, counts, strict=True):
        assert all(cell.hidden for cell, value in zip(cells, row, strict=True) if value < THRESHOLD)


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.booleans()).flatmap(
        lambda shape: st.tuples(
            st.just(shape),
            st.lists(
                st.lists(st.lists(COUNT, min_size=shape[2], max_size=shape[2]), min_size=shape[1], max_size=shape[1]),
                min_size=shape[0],
                max_size=shape[0],
            ),
            st.lists(
                st.lists(st.lists(COUNT, min_size=shape[2], max_size=shape[2]), min_size=2, max_size=2),
                min_size=shape[0],
                max_size=shape[0],
            ),
        )
    )
)
def test_no_hidden_cell_of_cubes_published_together_can_be_recovered(data: tuple[Any, ...]) -> None:
    """Two cubes over the same areas and columns, as the dashboard publishes them: the matches started per quarter
    (column totals only) and per organisation (all totals), whose column totals are the same figures, per area
    and for the whole scope. Every table of every area, the whole scope and the shared totals, all at once."""
    (areas, _quarters, columns, linked), per_quarter, per_organisation = data
    # The shared totals must be the same figures: per area and column the organisations add up to the quarters.
    for a in range(areas):
        for j in range(columns):
            started = sum(row[j] for row in per_quarter[a])
            per_organisation[a][1][j] = started - min(started, per_organisation[a][0][j])
            per_organisation[a][0][j] = started - per_organisation[a][1][j]
    quarters = Cube(per_quarter, shape=(len(per_quarter[0]), columns), row_totals=False)
    organisations = Cube(per_organisation, shape=(2, columns))
    links = [
        [(quarters, (a, quarters.n_rows, j)), (organisations, (a, 2, j))]
        for a in range(areas + 1)
        for j in range(columns)
    ]
    suppress_together([quarters, organisations], links if linked else [])
    for group in links:
        assert not linked or len({cube.is_hidden(at) for cube, at in group}) == 1
    assert attack_cubes([quarters, organisations], links if linked else []).recovered() == []


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.booleans()).flatmap(
        lambda shape: st.tuples(
            st.just(shape),
            st.lists(
                st.lists(st.lists(COUNT, min_size=1, max_size=1), min_size=shape[1], max_size=shape[1]),
                min_size=shape[0],
                max_size=shape[0],
            ),
        )
    )
)
def test_no_hidden_cell_of_a_live_table_per_area_can_be_recovered(data: tuple[Any, ...]) -> None:
    """The report's live tables (outcomes, respite stays, the survival counts): one column per area, the area
    total always published; with or without the column totals."""
    (_areas, rows, totals), counts = data
    cube = Cube(counts, shape=(rows, 1), totals=totals, row_totals=False)
    cube.protect()
    assert attack_cubes([cube]).recovered() == []


def attack_csv(table: list[list[str]], counts: list[list[int]]) -> Attack:
    """The equations of one CSV table (header, rows with their total, the row of column totals with the grand
    total), as anyone who downloads it can read them; `counts` are the true inner counts (to name the values)."""
    n_rows, n_cols = len(counts), len(counts[0])
    attack = Attack(n=n_rows * n_cols)
    grid = [row[1:] for row in table[1:]]
    for i in range(n_rows + 1):
        for j in range(n_cols + 1):
            cells = [
                (r, c)
                for r in (range(n_rows) if i == n_rows else (i,))
                for c in (range(n_cols) if j == n_cols else (j,))
            ]
            form = np.zeros(attack.n)
            for r, c in cells:
                form[r * n_cols + c] = 1
            value = sum(counts[r][c] for r, c in cells)
            if grid[i][j] == "< 5":
                attack.hidden.append((f"{table[1 + i][0]} / {table[0][1 + j]}", value, form))
            else:
                assert int(grid[i][j]) == value
                attack.equation(form, value)
    return attack


def test_the_csv_of_matches_started_per_organisation_gives_no_small_count_away(
    places: dict[str, Municipality], client: Client
) -> None:
    """The report's table, end to end through the roll-up and the CSV: JIM 1, 8 and 0 for three organisations
    (each with social-broker matches too, so all three are rows). Rule 2 alone published "< 5, 8, < 5, total 9"."""
    started = {"A": (1, 6), "B": (8, 5), "C": (0, 7)}
    for name, (jims, brokers) in started.items():
        organisation = OrganisationFactory(name=f"Jeugdteam {name}")
        for kind, n in (("jim", jims), ("broker", brokers)):
            for _i in range(n):
                case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
                if kind == "jim":
                    jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
                else:
                    broker_request(case, asked=date(2025, 2, 1), linked=date(2025, 3, 1))
    tally_refresh()
    user = user_with_role(Role.ANALYST)
    RoleAssignment.objects.filter(user=user).update(region=places["Leiden"].region)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        table = export(client, None)["Matches started per organisation"]
        forms = [str(f.label) for f in FORMS]
        broker = forms.index(str(FORM_BY_KEY[SOCIAL_BROKER].label))
    assert table[0][1:] == [*forms, "Total"]
    assert [row[0] for row in table[1:]] == ["Jeugdteam A", "Jeugdteam B", "Jeugdteam C", "Total"]
    jim_column = [row[1] for row in table[1:]]
    assert jim_column != ["< 5", "8", "< 5", "9"]
    counts = [[0] * len(forms) for _name in started]
    for i, (jims, brokers) in enumerate(started.values()):
        counts[i][0], counts[i][broker] = jims, brokers
    assert attack_csv(table, counts).recovered() == []
