"""Rule 3 across the choice of area: the report (and its CSV) for one municipality, for another and for the whole
region, laid side by side, never give a hidden cell away by subtraction, and they hide what the dashboard hides."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Municipality, Region, Role, RoleAssignment
from insights import selectors
from insights.figures import survival_by_area, survival_curve
from insights.scope import Basis, Filters, Quarter, insights_scope_for
from insights.services import tally_refresh
from insights.sources import matches_of
from insights.statistics import SURVIVAL_MONTHS
from insights.suppression import THRESHOLD, Cube, suppress, suppress_together
from tests.builders.insights import export, jim
from tests.factories import CaseFactory, OrganisationFactory, YoungPersonFactory, user_with_role

YEAR = Filters(Quarter(2025, 1), Quarter(2025, 4), None, Basis.PAYING)
STARTED = ("Matches started per quarter", "Matches started per organisation")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def region(db: None, client: Client) -> dict[str, Municipality]:
    """Leiden has 3 JIMs started in 2025-Q2 (hidden) and 8 in Q3, Katwijk 10 and 20; the Q2 ones by one
    organisation, the Q3 ones by another. Alone, Leiden's table would hide the 3 (and the 8 beside it), yet the
    region's 13 minus Katwijk's 10 would give it away."""
    holland = Region.objects.create(name="Holland Rijnland")
    places = {name: Municipality.objects.create(name=name, region=holland) for name in ("Leiden", "Katwijk")}
    early, late = OrganisationFactory(name="Jeugdteam Vroeg"), OrganisationFactory(name="Jeugdteam Laat")
    for name, organisation, n, started in [
        ("Leiden", early, 3, date(2025, 5, 1)),
        ("Katwijk", early, 10, date(2025, 5, 1)),
        ("Leiden", late, 8, date(2025, 8, 1)),
        ("Katwijk", late, 20, date(2025, 8, 1)),
    ]:
        for _i in range(n):
            person = YoungPersonFactory(residence_municipality=places[name], paying_municipality=places[name])
            case = CaseFactory(young_person=person, organisation=organisation, opened_on=date(2025, 1, 1))
            jim(case, asked=started - timedelta(days=20), started=started)
    tally_refresh()
    user = user_with_role(Role.ANALYST)
    RoleAssignment.objects.filter(user=user).update(region=holland)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return places


def hidden_in_any_line(table: list[list[str]]) -> list[str]:
    """Rows or columns (with their totals) of one CSV table that hide exactly one cell: that one would follow."""
    cells = [row[1:] for row in table[1:]]
    lines = [*cells, *([list(column) for column in zip(*cells, strict=True)] if cells else [])]
    return [" | ".join(line) for line in lines if sum(cell == "< 5" for cell in line) == 1]


def test_without_rule_3_across_areas_the_hidden_three_follows_by_subtraction() -> None:
    # The tables per area suppressed each on its own (as the report's live tables were): the test below could fail.
    leiden = suppress([[3], [8]], row_totals=False)
    katwijk = suppress([[10], [20]], row_totals=False)
    whole = suppress([[13], [28]], row_totals=False)
    assert leiden.rows[0][1][0].hidden
    assert whole.rows[0][1][0].value is not None and katwijk.rows[0][1][0].value is not None
    assert whole.rows[0][1][0].value - katwijk.rows[0][1][0].value == 3


def test_no_two_shown_figures_of_the_reports_give_the_hidden_three_away(
    region: dict[str, Municipality], client: Client
) -> None:
    exports = {name: export(client, area) for name, area in [("whole", None), *region.items()]}
    quarter = {name: tables["Matches started per quarter"] for name, tables in exports.items()}
    # Leiden's 3 is hidden, and so is what would give it away: Katwijk's 10 beside the region's 13.
    assert quarter["Leiden"][2][:2] == ["2025-Q2", "< 5"]
    assert quarter["whole"][2][:2] == ["2025-Q2", "13"]
    assert quarter["Katwijk"][2][:2] == ["2025-Q2", "< 5"]
    # Any two figures: the same cell for the region and one municipality gives the other municipality's by
    # subtraction (here there are two), so when one of the three is hidden, another one is too.
    for title in STARTED:
        tables = {name: exports[name][title] for name in exports}
        assert len({len(t) for t in tables.values()}) == 1
        for i, j in itertools.product(range(1, len(tables["whole"])), range(1, len(tables["whole"][0]))):
            column = [tables[name][i][j] for name in exports]
            assert column.count("< 5") != 1, (title, tables["whole"][i][0], column)
        # And inside each table, no row or column hides only one cell beside its total.
        for name in exports:
            assert not hidden_in_any_line(tables[name]), (name, title)
    leiden, katwijk = (exports[name]["JIM mentor"] for name in ("Leiden", "Katwijk"))
    started = [next(row[1] for row in t if row[0] == "Matches started") for t in (leiden, katwijk)]
    whole = next(row[1] for row in exports["whole"]["JIM mentor"] if row[0] == "Matches started")
    assert started.count("< 5") + (whole == "< 5") != 1
    # Nor by way of the organisations: in every export the organisation that did the Q2 starts hides Leiden's.
    leiden_early = next(
        row for row in exports["Leiden"]["Matches started per organisation"] if row[0].endswith("Vroeg")
    )
    assert leiden_early[1] == "< 5"


def test_the_dashboard_the_report_and_the_csv_hide_the_same_cells(
    region: dict[str, Municipality], client: Client
) -> None:
    scope = insights_scope_for(RoleAssignment.objects.get(role=Role.ANALYST).user)
    assert scope is not None
    for area in [None, *region.values()]:
        filters = Filters(YEAR.first, YEAR.last, area.pk if area else None, Basis.PAYING)
        board, report = selectors.dashboard(scope, filters), selectors.report(scope, filters)
        assert board.started_by_quarter == report.started_by_quarter
        assert board.extra["requests_by_quarter"] == report.extra["requests_by_quarter"]
        assert board.by_area == report.by_area
        for mine, theirs in zip(board.forms, report.forms, strict=True):
            assert mine.summary == theirs.summary and mine.ended_by_reason == theirs.ended_by_reason
        tables = export(client, area)
        csv_quarters = [row[1:] for row in tables["Matches started per quarter"][1:]]
        page_quarters = [[str(c) for c in cells] for _label, cells, _total in board.started_by_quarter.rows]
        page_quarters.append([str(c) for c in board.started_by_quarter.column_totals])
        assert csv_quarters == page_quarters
        jim_started = next(row[1] for row in tables["JIM mentor"] if row[0] == "Matches started")
        assert jim_started == str(board.forms[0].summary.rows[1][1][0])


def test_the_matches_still_followed_per_area_cannot_be_subtracted_either(region: dict[str, Municipality]) -> None:
    scope = insights_scope_for(RoleAssignment.objects.get(role=Role.ANALYST).user)
    assert scope is not None
    curves = {
        name: dict(survival_by_area(scope, Filters(YEAR.first, YEAR.last, pk, Basis.PAYING), "jim"))
        for name, pk in [("whole", None), *((name, place.pk) for name, place in region.items())]
    }
    # After six months only the Q2 starts are still followed: Leiden's 3, Katwijk's 10, 13 in all.
    assert [curves[name][6].people for name in ("Leiden", "Katwijk", "whole")] == [3, 10, 13]
    assert curves["whole"][6].value == 100 and curves["Leiden"][6].value is None
    assert curves["Katwijk"][6].value is None, "else 13 - 10 gives Leiden's 3 followed"
    for months in SURVIVAL_MONTHS:
        assert [curves[name][months].value is None for name in curves].count(True) != 1, months
    # For the whole region it is the same curve as the live one.
    live = survival_curve(matches_of("jim", scope, YEAR).filter(started__lte=YEAR.end), YEAR.end)
    assert [(m, f.value) for m, f in live] == [(m, curves["whole"][m].value) for m, _f in live]


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.booleans(), st.booleans()).flatmap(
        lambda shape: st.tuples(
            st.just(shape),
            st.lists(
                st.lists(
                    st.lists(st.integers(0, 25), min_size=shape[2], max_size=shape[2]),
                    min_size=shape[1],
                    max_size=shape[1],
                ),
                min_size=shape[0],
                max_size=shape[0],
            ),
        )
    )
)
def test_every_line_of_a_cube_hides_none_or_at_least_two_and_linked_cells_agree(data: tuple[Any, ...]) -> None:
    (_areas, rows, columns, totals, row_totals), counts = data
    cube = Cube(counts, shape=(rows, columns), totals=totals, row_totals=row_totals)
    # A second cube shares its column totals with the first (as the tables per quarter and per organisation do).
    other = Cube([[list(reversed(row)) for row in table] for table in counts], shape=(rows, columns))
    links = [
        [(cube, (a, rows, j)), (other, (a, rows, columns - 1 - j))]
        for a in range(len(counts) + 1)
        for j in range(columns)
    ]
    suppress_together([cube, other], links if totals else [])
    for c in (cube, other):
        for a, table in enumerate(c.grid):
            for i, row in enumerate(table):
                for j, value in enumerate(row):
                    assert c.is_hidden((a, i, j)) or value >= THRESHOLD
        for line in c._lines():
            assert sum(c.is_hidden(at) for at in line) != 1, line
    if totals:
        for group in links:
            assert len({c.is_hidden(at) for c, at in group}) == 1
    # Every slice is a table with the same hidden cells: the one for the whole scope is the margin.
    whole = cube.table(None, row_labels=list(range(rows)), columns=list(range(columns)))
    assert [c.hidden for c in whole.rows[0][1]] == [cube.is_hidden((len(counts), 0, j)) for j in range(columns)]


def test_a_coordinator_sees_people_from_other_municipalities_as_one_row_that_adds_up(db: None) -> None:
    holland = Region.objects.create(name="Holland Rijnland")
    leiden = Municipality.objects.create(name="Leiden", region=holland)
    elsewhere = Municipality.objects.create(name="Gouda", region=holland)
    own = OrganisationFactory(name="Eigen")
    own.municipalities.set([leiden])
    for place, n in ((leiden, 9), (elsewhere, 6)):
        for _i in range(n):
            person = YoungPersonFactory(residence_municipality=place, paying_municipality=place)
            jim(CaseFactory(young_person=person, organisation=own), asked=date(2025, 2, 1), started=date(2025, 3, 1))
    tally_refresh()
    scope = insights_scope_for(user_with_role(Role.COORDINATOR, own))
    assert scope is not None
    board = selectors.dashboard(scope, YEAR)
    rows = [(str(label), [str(c) for c in cells]) for label, cells, _t in board.by_area.rows]
    # One column per support form (JIM, support family, respite, buddy, social broker).
    assert rows[0] == ("Leiden", ["9", "< 5", "< 5", "< 5", "< 5"])
    assert rows[1] == ("Other municipalities", ["6", "< 5", "< 5", "< 5", "< 5"])
    assert str(board.by_area.column_totals[0]) == "15"
    # The summary, the quarter table and the table per organisation count the same fifteen.
    assert str(board.forms[0].summary.rows[1][1][0]) == "15"
    assert str(board.started_by_quarter.column_totals[0]) == "15"
    assert str(board.extra["by_organisation"].column_totals[0]) == "15"
