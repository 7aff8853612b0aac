"""Figures about groups for the social broker (community.BrokerRequest): requests by the day asked, a match from
the day a broker is linked, endings by reason, waiting time and duration, suppression at 4 and 5, scoping, and
the roll-up, the page and the CSV agreeing with the live queries.

Rows are made directly in the table, as in test_insights.py: only dates, reasons and places matter here.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

import insights.figures
from accounts.models import Municipality
from community.models import BrokerRequest
from insights import selectors
from insights.figures import FormFigures, by_quarter, form_figures
from insights.scope import Basis, Filters, Quarter
from insights.services import tally_refresh
from insights.sources import FORM_BY_KEY, FORMS, SOCIAL_BROKER, matches_of, requests_of
from tests.builders.insights import (
    YEAR,
    _english,
    analyst_client,
    analyst_scope,
    assert_agrees,
    broker_request,
    person,
    places,
    summary,
)
from tests.factories import CaseFactory, OrganisationFactory, VolunteerFactory
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case

# The fixtures of test_insights.py (tests/builders/insights.py): its places, its analyst's client, and English.
__all__ = ["_english", "analyst_client", "places"]

FORM = FORM_BY_KEY[SOCIAL_BROKER]
ASKED = date(2025, 1, 10)


@pytest.fixture
def broker(places: dict[str, Municipality]) -> Volunteer:
    return VolunteerFactory(kinds=[VolunteerKind.SOCIAL_BROKER], municipality=places["Leiden"])


@pytest.fixture
def brokers(places: dict[str, Municipality], broker: Volunteer) -> list[BrokerRequest]:
    """In Leiden, 2025: fifteen requests asked on 10 January and linked 10, 20 … 150 days later; the first five
    done on 1 September, the next five stopped by the family on 1 August, the last five still running. Five more
    ended on 1 March without a broker, and two asked in November still wait."""
    organisation = OrganisationFactory(name="Jeugdteam Leiden")

    def case() -> Case:
        return CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)

    made = []
    for i in range(15):
        ended, reason = (
            (date(2025, 9, 1), BrokerRequest.EndReason.DONE)
            if i < 5
            else (date(2025, 8, 1), BrokerRequest.EndReason.FAMILY_STOPPED)
            if i < 10
            else (None, "")
        )
        linked = ASKED + timedelta(days=10 * (i + 1))
        made.append(broker_request(case(), asked=ASKED, linked=linked, ended=ended, reason=reason, broker=broker))
    for _i in range(5):
        made.append(broker_request(case(), asked=ASKED, ended=date(2025, 3, 1)))
    for _i in range(2):
        made.append(broker_request(case(), asked=date(2025, 11, 5)))
    return made


def by_reason(figures: FormFigures) -> dict[str, str]:
    assert figures.ended_by_reason is not None
    return {str(label): str(cells[0]) for label, cells, _total in figures.ended_by_reason.rows}


def test_broker_requests_matches_active_ended_by_reason_and_waiting_time(
    places: dict[str, Municipality], brokers: list[BrokerRequest]
) -> None:
    figures = form_figures(FORM, analyst_scope(places), YEAR)
    # 22 asked; 15 linked; 5 still run; 10 ended (the 5 that ended without a broker never started).
    assert summary(figures) == ["22", "15", "5", "10"]
    # Waits 10, 20 … 150 days: the median by nearest rank is the eighth (80 days: 11 weeks), the 90th percentile
    # the fourteenth (140 days: 20 weeks).
    assert (figures.waiting_median.value, figures.waiting_p90.value) == (11, 20)
    # All fifteen started by 30 June (the cohort for six months): the five done after 184 to 224 days and the five
    # running lasted, the five the family stopped after 103 to 143 days did not.
    assert figures.lasting_6.value == 67
    assert str(figures.lasting_12) == "–"  # none started a year before the end
    # Nothing ended as "no longer needed" or with the case (0: "< 5"); done and stopped stay shown beside them.
    assert by_reason(figures) == {
        "completed": "5",
        "stopped early": "5",
        "no longer needed": "< 5",
        "the case was closed": "< 5",
    }
    assert figures.ended_by_reason is not None
    assert str(figures.ended_by_reason.total) == "10"
    curve = dict(figures.survival)
    assert curve[0].value == 100 and curve[6].value == 67


def test_every_reason_of_a_linked_request_is_an_ending_of_its_kind(
    places: dict[str, Municipality], broker: Volunteer
) -> None:
    organisation = OrganisationFactory()
    reasons = {
        BrokerRequest.EndReason.DONE: "completed",
        BrokerRequest.EndReason.FAMILY_STOPPED: "stopped early",
        BrokerRequest.EndReason.NOT_NEEDED: "no longer needed",
        BrokerRequest.EndReason.CASE_CLOSED: "the case was closed",
    }
    for reason in reasons:
        for _i in range(5):
            case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
            broker_request(
                case, asked=ASKED, linked=date(2025, 2, 1), ended=date(2025, 6, 1), reason=reason, broker=broker
            )
    # No longer needed before a broker was linked: a request, not a match, so no ending.
    for _i in range(5):
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        broker_request(case, asked=ASKED, ended=date(2025, 2, 1), reason=BrokerRequest.EndReason.NOT_NEEDED)
    figures = form_figures(FORM, analyst_scope(places), YEAR)
    assert summary(figures) == ["25", "20", "< 5", "20"]
    assert by_reason(figures) == dict.fromkeys(reasons.values(), "5")


def test_broker_requests_per_quarter_and_per_municipality(
    places: dict[str, Municipality], brokers: list[BrokerRequest]
) -> None:
    scope = analyst_scope(places)
    column = [f.key for f in FORMS].index(SOCIAL_BROKER)
    requests = by_quarter(scope, YEAR, what="requests")
    # 20, 2, 0, 0 with a total of 22: the three small ones would add up to 2 (each 0, 1 or 2, narrower than "< 5"
    # says), so the 20 is hidden too and the total stays.
    assert [str(cells[column]) for _label, cells, _total in requests.rows] == ["< 5", "< 5", "< 5", "< 5"]
    assert str(requests.column_totals[column]) == "22"
    started = by_quarter(scope, YEAR)
    # Linked from 20 January to 31 March (eight) and from 10 April to 9 June (seven).
    assert [str(cells[column]) for _label, cells, _total in started.rows] == ["8", "7", "< 5", "< 5"]
    by_area = insights.figures.by_area(scope, YEAR)
    assert [str(label) for label, _cells, _total in by_area.rows] == ["Katwijk", "Leiden"]
    # Katwijk has none running (0: "< 5"), so Leiden's five are hidden beside the total.
    assert [str(cells[column]) for _label, cells, _total in by_area.rows] == ["< 5", "< 5"]
    assert str(by_area.column_totals[column]) == "5"


def test_brokers_count_by_paying_or_residence_and_another_region_sees_nothing(
    places: dict[str, Municipality], broker: Volunteer
) -> None:
    organisation = OrganisationFactory()
    # Five live in Katwijk but Leiden pays; five live in Maastricht, another region.
    for lives, pays in [("Katwijk", "Leiden")] * 5 + [("Maastricht", None)] * 5:
        case = CaseFactory(young_person=person(places, lives, pays), organisation=organisation)
        broker_request(case, asked=date(2025, 2, 1), linked=date(2025, 3, 1), broker=broker)
    scope = analyst_scope(places)

    def started_in(municipality: str, basis: str) -> str:
        filters = Filters(YEAR.first, YEAR.last, places[municipality].pk, basis)
        return summary(form_figures(FORM, scope, filters))[1]

    assert summary(form_figures(FORM, scope, YEAR)) == ["5", "5", "5", "< 5"]
    assert started_in("Leiden", Basis.PAYING) == "5" and started_in("Katwijk", Basis.PAYING) == "< 5"
    assert started_in("Katwijk", Basis.RESIDENCE) == "5" and started_in("Leiden", Basis.RESIDENCE) == "< 5"
    limburg = analyst_scope(places, "Zuid-Limburg")
    assert summary(form_figures(FORM, limburg, YEAR))[:2] == ["5", "5"]
    # Holland Rijnland's young people are not in Zuid-Limburg's figures at all, not even as a hidden count.
    BrokerRequest.objects.filter(case__young_person__residence_municipality=places["Maastricht"]).delete()
    assert not requests_of(SOCIAL_BROKER, limburg, YEAR).exists()
    assert not matches_of(SOCIAL_BROKER, limburg, YEAR).exists()
    tally_refresh()
    board = selectors.dashboard(limburg, YEAR)
    mine = next(f for f in board.forms if f.form.key == SOCIAL_BROKER)
    assert all(cells[0].value is None for _label, cells, _total in mine.summary.rows)
    assert mine.waiting_median.people == 0


def test_four_broker_links_are_shown_as_less_than_five_and_five_as_five(
    places: dict[str, Municipality], broker: Volunteer
) -> None:
    organisation = OrganisationFactory()

    def add() -> None:
        case = CaseFactory(young_person=person(places, "Leiden"), organisation=organisation)
        broker_request(case, asked=date(2025, 2, 1), linked=date(2025, 3, 1), broker=broker)

    for _i in range(4):
        add()
    figures = form_figures(FORM, analyst_scope(places), YEAR)
    assert summary(figures)[:3] == ["< 5", "< 5", "< 5"]
    assert str(figures.waiting_median) == "< 5" and figures.waiting_median.value is None
    tally_refresh()
    board = selectors.dashboard(analyst_scope(places), YEAR)
    assert summary(board.forms[-1])[:3] == ["< 5", "< 5", "< 5"]
    add()
    figures = form_figures(FORM, analyst_scope(places), YEAR)
    assert summary(figures)[:3] == ["5", "5", "5"]
    assert figures.waiting_median.value == 4  # 28 days: four completed weeks
    tally_refresh()
    board = selectors.dashboard(analyst_scope(places), YEAR)
    assert board.forms[-1].form is FORM
    assert summary(board.forms[-1]) == summary(form_figures(FORM, analyst_scope(places), YEAR))


def test_the_roll_up_the_report_and_the_csv_give_the_broker_figures_of_the_live_queries(
    places: dict[str, Municipality], brokers: list[BrokerRequest], analyst_client: Client
) -> None:
    tally_refresh()
    scope = analyst_scope(places)
    live = form_figures(FORM, scope, YEAR)
    report = selectors.report(scope, YEAR)
    mine = next(f for f in report.forms if f.form.key == SOCIAL_BROKER)
    assert summary(mine) == summary(live) == ["22", "15", "5", "10"]
    assert (mine.waiting_median, mine.waiting_p90) == (live.waiting_median, live.waiting_p90)
    assert (mine.lasting_6, mine.lasting_12) == (live.lasting_6, live.lasting_12)
    assert mine.ended_by_reason is not None and live.ended_by_reason is not None
    assert_agrees(mine.ended_by_reason, live.ended_by_reason)
    assert [f.value for _m, f in mine.survival][:3] == [f.value for _m, f in live.survival][:3]

    page = analyst_client.get(reverse("insights:report") + "?from=2025-Q1&to=2025-Q4").content.decode()
    assert "Social broker: ended in the period, by reason" in page and "chart-survival-social_broker" in page
    assert "No data yet" not in page
    response = analyst_client.get(reverse("insights:export") + "?from=2025-Q1&to=2025-Q4")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    at = rows.index(["Social broker"])
    assert rows[at + 2 : at + 6] == [
        ["Requests", "22"],
        ["Matches started", "15"],
        ["Active at the end of the period", "5"],
        ["Ended", "10"],
    ]
    at = rows.index(["Social broker: ended by reason"])
    assert rows[at + 2 : at + 7] == [
        ["completed", "5"],
        ["stopped early", "5"],
        ["no longer needed", "< 5"],
        ["the case was closed", "< 5"],
        ["Total", "10"],
    ]
    assert ["Social broker", "11", "20", "67", "–"] in rows


def test_a_later_quarter_counts_what_still_runs(places: dict[str, Municipality], brokers: list[BrokerRequest]) -> None:
    # In 2026-Q1 the five still linked are active; nothing was asked, linked or ended then.
    filters = Filters(Quarter(2026, 1), Quarter(2026, 1), None, Basis.PAYING)
    figures = form_figures(FORM, analyst_scope(places), filters)
    assert summary(figures) == ["< 5", "< 5", "5", "< 5"]
