"""Figures about groups (insights): each figure on hand-made data, suppression at 4 and 5 and the complementary
case, scoping per region and organisation, the CSV, and the access-log rows.

Rows are made directly in the tables: only dates, states and places matter here, not the walk through the
services (those have their own tests).
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import insights.figures
from accesslog.models import AccessLogEntry
from accounts.models import Municipality, Role
from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import State as MatchState
from insights import selectors
from insights.figures import (
    by_organisation,
    by_quarter,
    form_figures,
    outcomes,
    respite_use,
    supply_and_demand,
    volunteer_pipeline,
)
from insights.scope import MAX_QUARTERS, Basis, Filters, Quarter, filters_from, insights_scope_for
from insights.sources import FORM_BY_KEY, JIM, SUPPORT_FAMILY
from insights.suppression import THRESHOLD, Table, suppress
from mentors.models import Mentorship
from mentors.states import State as MentorState
from respite.models import RespiteOption, Stay
from tests.builders.insights import (
    YEAR,
    _english,
    analyst_client,
    analyst_scope,
    assert_agrees,
    broker_request,
    jim,
    moment,
    person,
    places,
    summary,
)
from tests.conftest import World
from tests.factories import CaseFactory, OrganisationFactory, VolunteerFactory, user_with_role
from volunteers.models import Volunteer, VolunteerKind

# Fixtures of these tests, in tests/builders/insights.py with the builders the other insights modules use.
__all__ = ["_english", "analyst_client", "places"]

# ---------------------------------------------------------------------------------------------------------------
# Suppression


def hidden_map(table: Table) -> list[list[bool]]:
    rows = [[c.hidden for c in cells] + [total.hidden] for _label, cells, total in table.rows]
    return [*rows, [c.hidden for c in table.column_totals] + [table.total.hidden]]


def test_a_count_of_four_is_hidden_and_five_is_shown() -> None:
    assert THRESHOLD == 5
    four, five = suppress([[4]], totals=False), suppress([[5]], totals=False)
    assert str(four.rows[0][1][0]) == "< 5" and four.rows[0][1][0].value is None
    assert str(five.rows[0][1][0]) == "5"


def test_a_hidden_cell_cannot_be_recovered_from_its_totals() -> None:
    # Without complementary suppression 4 = 14 - 10 and 4 = 10 - 6.
    table = suppress([[4, 10], [6, 12]], row_labels=["Leiden", "Katwijk"], columns=["JIM", "support family"])
    assert hidden_map(table) == [[True, True, False], [True, True, False], [False, False, False]]
    # The totals stay: the figure that matters most is kept, the inner cells protect each other.
    assert [str(c) for c in table.column_totals] == ["10", "22"] and str(table.total) == "32"


def test_a_single_small_row_hides_a_second_row_so_the_column_total_does_not_give_it_away() -> None:
    table = suppress([[3], [20], [30]], row_labels=["a", "b", "c"])
    shown = [(str(cells[0]), str(total)) for _label, cells, total in table.rows]
    assert shown == [("< 5", "< 5"), ("< 5", "< 5"), ("30", "30")]
    assert str(table.total) == "53"


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(st.lists(st.integers(0, 30), min_size=cols, max_size=cols), min_size=1, max_size=6)
    )
)
def test_every_line_hides_none_or_at_least_two_cells_and_every_small_count_is_hidden(grid: list[list[int]]) -> None:
    table = suppress(grid)
    hidden = hidden_map(table)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            assert hidden[i][j] or value >= THRESHOLD
    lines = [list(row) for row in hidden] + [list(column) for column in zip(*hidden, strict=True)]
    assert all(sum(line) != 1 for line in lines)
    # With only column totals (forms side by side), every column still hides none or at least two.
    table = suppress(grid, row_totals=False)
    columns = list(zip(*[[c.hidden for c in cells] for _l, cells, _t in table.rows], strict=True))
    for j, column in enumerate(columns):
        assert sum([*column, table.column_totals[j].hidden]) != 1
        assert all(hidden or grid[i][j] >= THRESHOLD for i, hidden in enumerate(column))


# ---------------------------------------------------------------------------------------------------------------
# Hand-made data


@pytest.fixture
def ten_jims(places: dict[str, Municipality]) -> list[Mentorship]:
    """Ten JIMs asked for on 10 January 2025, started 10, 20 … 100 days later; the first five completed on
    1 May 2025 with a placement averted and goals reached, the other five still run."""
    organisation = OrganisationFactory(name="Jeugdteam Leiden")
    made = []
    for i in range(10):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation, opened_on=date(2025, 1, 1))
        done = i < 5
        closure: dict[str, Any] = (
            {
                "placement_averted": "yes",
                "goals_young_person": "yes",
                "goals_parents": "partly",
                "satisfaction": 4,
            }
            if done
            else {}
        )
        made.append(
            jim(
                case,
                asked=date(2025, 1, 10),
                started=date(2025, 1, 10) + timedelta(days=10 * (i + 1)),
                ended=date(2025, 5, 1) if done else None,
                **closure,
            )
        )
    return made


def test_jim_requests_matches_active_ended_and_waiting_time(
    places: dict[str, Municipality], ten_jims: list[Mentorship]
) -> None:
    figures = form_figures(FORM_BY_KEY[JIM], analyst_scope(places), YEAR)
    assert summary(figures) == ["10", "10", "5", "5"]
    # Waits 10, 20 … 100 days: the median by nearest rank is the fifth (50 days: 7 weeks), the 90th percentile
    # the ninth (90 days: 12 weeks).
    assert (figures.waiting_median.value, figures.waiting_p90.value) == (7, 12)  # completed weeks
    # Followed six months or more: all ten; the five still running lasted, the five that ended (after 71 to
    # 111 days) did not.
    assert figures.lasting_6.value == 50
    assert figures.lasting_12.value is None and str(figures.lasting_12) == "–"  # none started a year before
    assert figures.ended_by_reason is not None
    by_reason = {str(label): str(cells[0]) for label, cells, _total in figures.ended_by_reason.rows}
    # None stopped early (0, so "< 5"): the five completed would then follow from the total, so they hide too.
    assert by_reason == {"completed": "< 5", "stopped early": "< 5"}
    assert str(figures.ended_by_reason.total) == "5"


def test_the_dashboard_from_the_roll_up_gives_the_same_figures_as_the_live_queries(
    places: dict[str, Municipality], ten_jims: list[Mentorship]
) -> None:
    from insights.services import tally_refresh

    organisation = OrganisationFactory()
    for i in range(7):  # seven more, in Katwijk, stopped after a year and a half or still running
        case = CaseFactory(young_person=person(places, "Katwijk"), organisation=organisation)
        jim(
            case,
            asked=date(2024, 1, 5),
            started=date(2024, 2, 1),
            ended=date(2025, 8, 1) if i < 3 else None,
            state=MentorState.STOPPED if i < 3 else "",
        )
    # Social brokers with every kind of ending, in both municipalities, and requests that never got a broker.
    broker = VolunteerFactory(kinds=[VolunteerKind.SOCIAL_BROKER])
    reasons = [*BrokerRequest.EndReason.values, ""]
    for i in range(24):
        lives = "Leiden" if i % 2 else "Katwijk"
        case = CaseFactory(young_person=person(places, lives, pays="Leiden" if i % 3 == 0 else None))
        reason = reasons[i % len(reasons)]
        linked = None if reason == BrokerRequest.EndReason.NO_BROKER else date(2024, 3, 1) + timedelta(days=25 * i)
        ended = date(2024, 9, 1) + timedelta(days=30 * i) if reason else None
        asked = date(2024, 2, 1) + timedelta(days=20 * i)
        broker_request(case, asked=asked, linked=linked, ended=ended, reason=reason, broker=broker)
    run = tally_refresh()
    assert run.rows > 0
    scope = analyst_scope(places)
    for filters in (YEAR, Filters(Quarter(2024, 1), Quarter(2025, 2), None, Basis.RESIDENCE)):
        board = selectors.dashboard(scope, filters)
        for figures in board.forms:
            live = form_figures(figures.form, scope, filters)
            assert summary(figures) == summary(live), figures.form.key
            assert (str(figures.waiting_median), str(figures.waiting_p90)) == (
                str(live.waiting_median),
                str(live.waiting_p90),
            )
            assert (figures.lasting_6, figures.lasting_12) == (live.lasting_6, live.lasting_12)
            if live.ended_by_reason is not None:
                assert figures.ended_by_reason is not None
                assert_agrees(figures.ended_by_reason, live.ended_by_reason)
        assert_agrees(board.by_area, insights.figures.by_area(scope, filters))
        assert_agrees(board.started_by_quarter, by_quarter(scope, filters))


def test_buddy_mentorships_do_not_count_as_jim(places: dict[str, Municipality], ten_jims: list[Mentorship]) -> None:
    # A buddy found by matching becomes a mentorship of kind BUDDY; it counts under the buddy form's request.
    Mentorship.objects.filter(pk__in=[m.pk for m in ten_jims[:5]]).update(kind=Mentorship.Kind.BUDDY)
    figures = form_figures(FORM_BY_KEY[JIM], analyst_scope(places), YEAR)
    assert summary(figures) == ["5", "5", "5", "< 5"]


def test_the_survival_curve_steps_down_when_matches_end(
    places: dict[str, Municipality], ten_jims: list[Mentorship]
) -> None:
    figures = form_figures(FORM_BY_KEY[JIM], analyst_scope(places), YEAR)
    curve = dict(figures.survival)
    assert curve[0].value == 100
    assert curve[6].value == 50  # all five ended within four months, the other five run all year
    assert curve[12].value is None  # nobody is followed a whole year yet


def test_outcomes_at_closure(places: dict[str, Municipality], ten_jims: list[Mentorship]) -> None:
    result = outcomes(analyst_scope(places), YEAR)
    averted = {str(label): str(cells[0]) for label, cells, _total in result.placement_averted.rows}
    assert averted["yes, averted"] == "5" and averted["no, not averted"] == "< 5"
    assert str(result.placement_averted.column_totals[0]) == "5"
    parents = {str(label): str(cells[0]) for label, cells, _total in result.goals_parents.rows}
    assert parents["partly"] == "5"
    assert [str(cells[0]) for _l, cells, _t in result.satisfaction.rows][3] == "5"


def test_four_matches_are_shown_as_less_than_five_and_their_waiting_time_is_hidden(
    places: dict[str, Municipality],
) -> None:
    organisation = OrganisationFactory()
    for _i in range(4):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
    figures = form_figures(FORM_BY_KEY[JIM], analyst_scope(places), YEAR)
    assert summary(figures)[:2] == ["< 5", "< 5"]
    assert figures.waiting_median.value is None and str(figures.waiting_median) == "< 5"
    case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
    jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
    figures = form_figures(FORM_BY_KEY[JIM], analyst_scope(places), YEAR)
    assert summary(figures)[:2] == ["5", "5"]
    assert figures.waiting_median.value == 4


def test_an_analyst_sees_only_the_region_and_counts_by_paying_or_residence(places: dict[str, Municipality]) -> None:
    organisation = OrganisationFactory()
    # Five live in Katwijk but Leiden pays (woonplaatsbeginsel); five in Maastricht, another region.
    for lives, pays in [("Katwijk", "Leiden")] * 5 + [("Maastricht", None)] * 5:
        case = CaseFactory(young_person=person(places, lives, pays), organisation=organisation)
        jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
    scope = analyst_scope(places)
    by_area = insights.figures.by_area(scope, YEAR)
    assert [label for label, _cells, _total in by_area.rows] == ["Katwijk", "Leiden"]
    # Katwijk pays for nobody (0, so "< 5"); Leiden's 5 would then give it away from the total: hidden too.
    assert [str(cells[0]) for _label, cells, _total in by_area.rows] == ["< 5", "< 5"]
    assert str(by_area.column_totals[0]) == "5"

    def started_in(municipality: str, basis: str) -> str:
        filters = Filters(YEAR.first, YEAR.last, places[municipality].pk, basis)
        return summary(form_figures(FORM_BY_KEY[JIM], scope, filters))[1]

    assert started_in("Leiden", Basis.PAYING) == "5" and started_in("Katwijk", Basis.PAYING) == "< 5"
    assert started_in("Katwijk", Basis.RESIDENCE) == "5" and started_in("Leiden", Basis.RESIDENCE) == "< 5"
    limburg = analyst_scope(places, "Zuid-Limburg")
    assert summary(form_figures(FORM_BY_KEY[JIM], limburg, YEAR))[1] == "5"


def test_a_coordinator_sees_only_their_own_organisation(places: dict[str, Municipality]) -> None:
    own, other = OrganisationFactory(name="Eigen"), OrganisationFactory(name="Ander")
    for organisation, n in [(own, 6), (other, 7)]:
        for _i in range(n):
            case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
            jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
    scope = insights_scope_for(user_with_role(Role.COORDINATOR, own))
    assert scope is not None and scope.organisation_ids == (own.pk,)
    assert summary(form_figures(FORM_BY_KEY[JIM], scope, YEAR))[1] == "6"
    table = by_organisation(scope, YEAR)
    assert [label for label, _cells, _total in table.rows] == ["Eigen"]


def test_nobody_else_has_a_scope(world: World) -> None:
    for persona in ("young_person_user", "parent", "mentor", "volunteer", "professional", "admin", "outsider"):
        assert insights_scope_for(world.by_role(persona)) is None


def test_support_family_figures_and_outcome(places: dict[str, Municipality]) -> None:
    organisation = OrganisationFactory()
    coordinator = user_with_role(Role.COORDINATOR, organisation)
    hosts = [VolunteerFactory(organisation=organisation, municipality=places["Leiden"]) for _i in range(6)]
    Volunteer.objects.update(registered_at=moment(date(2024, 6, 1)))
    for i, host in enumerate(hosts):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        request = SupportRequest.objects.create(
            case=case, organisation=organisation, what_for="rust", home_place="Leiden", status="matched"
        )
        SupportRequest.objects.filter(pk=request.pk).update(created_at=moment(date(2025, 1, 5)))
        SupportFamilyMatch.objects.create(
            request=request,
            volunteer=host,
            state=MatchState.ENDED if i < 5 else MatchState.ACTIVE,
            started_on=date(2025, 2, 4),
            ended_on=date(2025, 11, 1) if i < 5 else None,
            outcome="reached" if i < 5 else "",
            approved_by=coordinator,
        )
    scope = analyst_scope(places)
    figures = form_figures(FORM_BY_KEY[SUPPORT_FAMILY], scope, YEAR)
    assert summary(figures) == ["6", "6", "< 5", "5"]
    assert figures.waiting_median.value == 4
    outcome = {str(label): str(cells[0]) for label, cells, _t in outcomes(scope, YEAR).support_family.rows}
    assert outcome["the goals were reached"] == "5"
    pipeline = volunteer_pipeline(scope, YEAR)
    stages = [str(cells[0]) for _label, cells, _total in pipeline.stages.rows]
    assert stages[0] == "6"  # registered
    assert stages[4] == "< 5"  # one open match


def test_supply_and_demand_by_age_group(places: dict[str, Municipality]) -> None:
    organisation = OrganisationFactory()
    for _i in range(5):
        case = CaseFactory(young_person=person(places, "Leiden", age=9), organisation=organisation)
        SupportRequest.objects.create(case=case, organisation=organisation, what_for="rust", home_place="Leiden")
        VolunteerFactory(
            organisation=organisation, municipality=places["Leiden"], preferred_age_min=4, preferred_age_max=12
        )
    # created_at is now, after the period: ask about the current quarter.
    now = Quarter.of(timezone.localdate())
    table = supply_and_demand(analyst_scope(places), Filters(now, now, None, Basis.PAYING))
    rows = {str(label): [str(c) for c in cells] for label, cells, _total in table.rows}
    assert rows["4 to 11 years"] == ["5", "5"]
    assert rows["12 to 15 years"] == ["< 5", "5"]
    assert rows["16 to 17 years"] == ["< 5", "< 5"]


def test_respite_nights_booked_against_capacity(places: dict[str, Municipality]) -> None:
    organisation = OrganisationFactory()
    organisation.municipalities.add(places["Leiden"])
    option = RespiteOption.objects.create(
        kind=RespiteOption.Kind.STAY_HOUSE, name="Logeerhuis", organisation=organisation, beds_per_night=2
    )
    RespiteOption.objects.filter(pk=option.pk).update(created_at=moment(date(2024, 1, 1)))
    for i in range(5):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        # Three nights each; the last one starts on 30 December, so only two of its nights are in 2025.
        arrival = date(2025, 3, 1) + timedelta(days=7 * i) if i < 4 else date(2025, 12, 30)
        Stay.objects.create(
            option=option, case=case, arrival=arrival, departure=arrival + timedelta(days=3), status="confirmed"
        )
    result = respite_use(analyst_scope(places), YEAR)
    assert str(result.stays) == "5"
    assert result.nights_booked.value == 14
    assert result.nights_available == 2 * 365
    assert result.use.value == round(100 * 14 / 730)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2025-Q9", "to": "banana"},
        {"from": "2026-Q1", "to": "2025-Q1"},
        {"from": "1900-Q1"},
        {"area": "99999999999999"},
        {"area": "-1", "basis": "nonsense"},
        {"from": "1999-Q1", "to": "2100-Q4"},
    ],
)
def test_bad_filters_fall_back_to_the_defaults(places: dict[str, Municipality], query: dict[str, str]) -> None:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(query)
    filters = filters_from(data, analyst_scope(places), today=date(2025, 8, 1))
    assert filters.basis in (Basis.PAYING, Basis.RESIDENCE)
    assert filters.municipality_id is None
    assert 1 <= len(filters.quarters) <= MAX_QUARTERS
    assert filters.last.end >= filters.first.start


def test_an_area_outside_the_region_is_ignored(places: dict[str, Municipality]) -> None:
    from django.http import QueryDict

    scope = analyst_scope(places)
    maastricht = QueryDict(f"area={places['Maastricht'].pk}")
    assert filters_from(maastricht, scope).municipality_id is None
    leiden = QueryDict(f"area={places['Leiden'].pk}&from=2025-Q1&to=2025-Q2")
    filters = filters_from(leiden, scope)
    assert (filters.municipality_id, str(filters.first), str(filters.last)) == (
        places["Leiden"].pk,
        "2025-Q1",
        "2025-Q2",
    )


# ---------------------------------------------------------------------------------------------------------------
# Pages, CSV and the access log


def test_every_page_view_and_export_is_logged_without_a_young_person(
    analyst_client: Client, ten_jims: list[Mentorship]
) -> None:
    query = "?from=2025-Q1&to=2025-Q4"
    for name in ("insights:dashboard", "insights:report", "insights:export"):
        assert analyst_client.get(reverse(name) + query).status_code == 200
    entries = list(AccessLogEntry.objects.filter(what=AccessLogEntry.What.INSIGHTS).order_by("pk"))
    assert [(e.actor_role, e.young_person_id, e.action) for e in entries] == [
        ("analyst", None, "view"),
        ("analyst", None, "view"),
        ("analyst", None, "export"),
    ]
    assert entries[0].detail.startswith("dashboard: Holland Rijnland 2025-Q1..2025-Q4")


def test_the_access_log_still_refuses_changes_and_a_row_without_subject_must_be_insights(
    analyst_client: Client, world: World
) -> None:
    analyst_client.get(reverse("insights:dashboard"))
    entry = AccessLogEntry.objects.get(what=AccessLogEntry.What.INSIGHTS)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accesslog_accesslogentry SET detail = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.create(actor=world.analyst, actor_name="x", action="view", what="profile")


def test_an_insights_row_never_shows_in_a_young_persons_own_log(analyst_client: Client, world: World) -> None:
    from youth.selectors import accesslogentry_visible_to

    analyst_client.get(reverse("insights:dashboard"))
    assert not accesslogentry_visible_to(world.young_person_user).filter(what="insights").exists()


def test_the_csv_is_suppressed_like_the_page(analyst_client: Client, ten_jims: list[Mentorship]) -> None:
    response = analyst_client.get(reverse("insights:export") + "?from=2025-Q1&to=2025-Q4")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    flat = list(itertools.chain.from_iterable(rows))
    assert "< 5" in flat
    jim_at = rows.index(["JIM mentor"])
    assert rows[jim_at + 2 : jim_at + 6] == [
        ["Requests", "10"],
        ["Matches started", "10"],
        ["Active at the end of the period", "5"],
        ["Ended", "5"],
    ]
    # Every number in the file (besides the labels in the first column, such as a satisfaction score) is a count
    # of at least five, a share or a number of days.
    for cell in itertools.chain.from_iterable(row[1:] for row in rows):
        if cell.isdigit():
            assert int(cell) >= THRESHOLD or cell in {"0"}, cell


def test_the_dashboard_reads_in_english_with_a_chart_and_its_table(
    analyst_client: Client, ten_jims: list[Mentorship]
) -> None:
    with translation.override("en"):
        response = analyst_client.get(reverse("insights:dashboard") + "?from=2025-Q1&to=2025-Q4")
    text = response.content.decode()
    assert "Figures about groups" in text and "<svg" in text and "<table" in text
    # Every form has figures, the social broker too (tests/test_insights_brokers.py).
    assert "Social broker" in text and "No data yet" not in text
    report = analyst_client.get(reverse("insights:report") + "?from=2025-Q1&to=2025-Q4").content.decode()
    assert "Quarterly report 2025-Q1 to 2025-Q4" in report and "polyline" in report


def test_the_dashboard_costs_the_same_queries_for_more_people(
    analyst_client: Client, places: dict[str, Municipality]
) -> None:
    organisation = OrganisationFactory()

    def add(n: int) -> None:
        for _i in range(n):
            case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
            jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert analyst_client.get(reverse("insights:dashboard") + "?from=2025-Q1&to=2025-Q4").status_code == 200
        return len(context.captured_queries)

    add(2)
    count()  # the first request of a session reads a few things once
    before = count()
    add(20)
    assert count() == before


def test_the_menu_links_to_the_figures_for_analysts_and_coordinators(world: World, client: Client) -> None:
    for persona, shown in [("analyst", True), ("coordinator", True), ("professional", False), ("parent", False)]:
        client.force_login(world.by_role(persona))
        assert (reverse("insights:dashboard") in client.get(reverse("home")).content.decode()) is shown, persona


def test_volunteer_rows_do_not_leak_through_the_pipeline(places: dict[str, Municipality]) -> None:
    VolunteerFactory(municipality=places["Maastricht"])
    pipeline = volunteer_pipeline(analyst_scope(places), YEAR)
    assert all(cells[0].value is None for _label, cells, _total in pipeline.stages.rows)
    assert Volunteer.objects.count() == 1


def test_the_roll_up_is_made_again_only_when_it_is_older_than_the_setting(
    places: dict[str, Municipality], ten_jims: list[Mentorship], settings: object
) -> None:
    from django.core.management import call_command

    from insights.models import Tally, TallyRun
    from insights.services import tally_refresh_if_stale

    tally_refresh_if_stale()
    assert TallyRun.objects.count() == 1 and Tally.objects.exists()
    tally_refresh_if_stale()
    assert TallyRun.objects.count() == 1
    TallyRun.objects.update(finished_at=timezone.now() - timedelta(hours=25))
    tally_refresh_if_stale()
    assert TallyRun.objects.count() == 2
    out = io.StringIO()
    call_command("insights_refresh", stdout=out)
    assert "rows in" in out.getvalue() and TallyRun.objects.count() == 3
    # A count, never a person: the roll-up has no key to anyone.
    assert {f.name for f in Tally._meta.fields} == {
        "id",
        "form",
        "measure",
        "basis",
        "area",
        "organisation",
        "quarter",
        "value",
        "n",
    }


def test_choosing_a_municipality_cannot_undo_the_complementary_suppression(places: dict[str, Municipality]) -> None:
    from insights.services import tally_refresh

    organisation = OrganisationFactory()
    for _i in range(5):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        jim(case, asked=date(2025, 2, 1), started=date(2025, 3, 1))
    tally_refresh()
    scope = analyst_scope(places)
    # Katwijk has none (0: "< 5"), so Leiden's five are hidden in the table per municipality, beside the total.
    board = selectors.dashboard(scope, YEAR)
    assert summary(board.forms[0]) == ["5", "5", "5", "< 5"]
    assert [str(cells[0]) for _label, cells, _total in board.by_area.rows] == ["< 5", "< 5"]
    # Leiden alone would otherwise say 5 and give Katwijk's 0 away (5 in all, 5 in Leiden).
    leiden = selectors.dashboard(scope, Filters(YEAR.first, YEAR.last, places["Leiden"].pk, Basis.PAYING))
    assert summary(leiden.forms[0]) == ["< 5", "< 5", "< 5", "< 5"]
    assert str(leiden.forms[0].waiting_median) == "< 5"
    # The quarter table's totals follow the summary.
    assert str(leiden.started_by_quarter.column_totals[0]) == "< 5"
