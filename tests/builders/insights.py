"""Builders for the insights (figures for analysts): people and cases in a year, broker requests, the analyst's scope,
the summary and the export, and the check that two figures agree.

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Municipality, Region, Role, RoleAssignment
from community.models import BrokerRequest
from insights.figures import FormFigures
from insights.scope import Basis, Filters, Quarter, Scope, insights_scope_for
from insights.suppression import Table
from mentors.models import Mentorship
from mentors.states import State as MentorState
from tests.factories import VolunteerFactory, YoungPersonFactory, user_with_role
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case, YoungPerson

YEAR = Filters(Quarter(2025, 1), Quarter(2025, 4), None, Basis.PAYING)


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def analyst_scope(places: dict[str, Municipality], region: str = "Holland Rijnland") -> Scope:
    user = user_with_role(Role.ANALYST)
    RoleAssignment.objects.filter(user=user).update(region=Region.objects.get(name=region))
    scope = insights_scope_for(user)
    assert scope is not None
    return scope


def person(places: dict[str, Municipality], lives: str, pays: str | None = None, age: int = 14) -> YoungPerson:
    return YoungPersonFactory(
        residence_municipality=places[lives],
        paying_municipality=places[pays or lives],
        date_of_birth=date(2025 - age, 6, 1),
    )


def jim(
    case: Case, *, asked: date, started: date | None, ended: date | None = None, state: str = "", **closure: object
) -> Mentorship:
    mentorship = Mentorship.objects.create(
        young_person=case.young_person,
        case=case,
        nominee_name="Karin",
        nominated_by=user_with_role(Role.PROFESSIONAL, case.organisation),
        state=state or (MentorState.COMPLETED if ended else MentorState.ACTIVE),
        started_on=started,
        ended_on=ended,
        **closure,
    )
    Mentorship.objects.filter(pk=mentorship.pk).update(created_at=moment(asked))
    return mentorship


def broker_request(
    case: Case,
    *,
    asked: date,
    linked: date | None = None,
    ended: date | None = None,
    reason: str = "",
    broker: Volunteer | None = None,
) -> BrokerRequest:
    """A request for a social broker, linked on `linked` (to `broker`, or a new volunteer) and ended on `ended` for
    `reason` (default: done when linked, no broker found when not)."""
    if linked is not None and broker is None:
        broker = VolunteerFactory(kinds=[VolunteerKind.SOCIAL_BROKER])
    if ended is not None and not reason:
        reason = BrokerRequest.EndReason.DONE if linked else BrokerRequest.EndReason.NO_BROKER
    return BrokerRequest.objects.create(
        case=case,
        asked_by=user_with_role(Role.PROFESSIONAL, case.organisation),
        purpose="Een sportclub in de buurt",
        broker=broker if linked else None,
        asked_on=asked,
        linked_on=linked,
        ended_on=ended,
        end_reason=reason,
    )


def summary(figures: FormFigures) -> list[str]:
    return [str(cells[0]) for _label, cells, _total in figures.summary.rows]


def cells_of(table: Table) -> list[list[int | None]]:
    """Inner cells and column totals (the row totals only when the table has them)."""
    rows = [[c.value for c in cells] for _label, cells, _total in table.rows]
    return [*rows, [c.value for c in table.column_totals]] if table.has_totals else rows


def assert_agrees(board: Table, live: Table) -> None:
    """The roll-up gives the same counts as the live queries: equal where both show a cell, and the board hides
    at least what the live table (suppressed on its own) hides. It may hide more: it is suppressed together with
    the tables of the other municipalities."""
    assert [label for label, _c, _t in board.rows] == [label for label, _c, _t in live.rows]
    for board_row, live_row in zip(cells_of(board), cells_of(live), strict=True):
        for mine, theirs in zip(board_row, live_row, strict=True):
            assert mine == theirs or mine is None, (board_row, live_row)


def export(client: Client, area: Municipality | None) -> dict[str, list[list[str]]]:
    """The CSV's tables by title (rows without the title), for the whole region or one municipality."""
    query = "?from=2025-Q1&to=2025-Q4" + (f"&area={area.pk}" if area else "")
    response = client.get(reverse("insights:export") + query)
    assert response.status_code == 200
    tables: dict[str, list[list[str]]] = {}
    title = ""
    for row in csv.reader(io.StringIO(response.content.decode())):
        if len(row) == 1 and row[0]:
            title = row[0]
            tables[title] = []
        elif row and title:
            tables[title].append(row)
    return tables


# --- Fixtures of the insights tests (test_insights.py and the insights modules that import them) ---------------


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def places(db: None) -> dict[str, Municipality]:
    # `world`, when a test asks for it, is built before every other fixture and already made Leiden in its region.
    holland = Region.objects.get_or_create(name="Holland Rijnland")[0]
    limburg = Region.objects.create(name="Zuid-Limburg")
    return {
        "Leiden": Municipality.objects.get_or_create(name="Leiden", defaults={"region": holland})[0],
        "Katwijk": Municipality.objects.create(name="Katwijk", region=holland),
        "Maastricht": Municipality.objects.create(name="Maastricht", region=limburg),
    }


@pytest.fixture
def analyst_client(client: Client, places: dict[str, Municipality]) -> Client:
    user = user_with_role(Role.ANALYST, first_name="Femke")
    RoleAssignment.objects.filter(user=user).update(region=Region.objects.get(name="Holland Rijnland"))
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
