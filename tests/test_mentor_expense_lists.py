"""The mentorship list and the coordinator's expense claims at the size of a region: search, the step or status
filter, paging, the access log of the page's names only, and queries that do not grow."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLogEntry
from core.paging import PAGE_SIZE
from expenses import services as expenses_services
from expenses.models import ExpenseClaim
from mentors.models import Mentorship
from mentors.states import State
from tests.conftest import World
from tests.factories import CaseFactory, VolunteerFactory, YoungPersonFactory, assign
from tests.querycounts import assert_queries_do_not_grow
from volunteers.models import Volunteer

MENTORS = reverse("mentors:list")
CLAIMS = reverse("expenses:claim_list")


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Mentorships -----------------------------------------------------------------------------------------------------


def _mentorship(world: World, first_name: str, nominee: str = "Karin", state: str = State.NOMINATED) -> Mentorship:
    young_person = YoungPersonFactory(first_name=first_name, home_place="Oegstgeest")
    case = assign(CaseFactory(young_person=young_person, organisation=world.organisation), world.professional)
    return Mentorship.objects.create(
        young_person=young_person, case=case, nominee_name=nominee, nominated_by=world.professional, state=state
    )


def _titles(client: Client, **params: str) -> list[str]:
    response = client.get(MENTORS, params)
    assert response.status_code == 200
    return [m.young_person.first_name for m in response.context["mentorships"]]


def test_mentorships_search_and_step_filter(world: World, client: Client) -> None:
    _mentorship(world, "Amira", nominee="Henk")
    _mentorship(world, "Bo", state=State.COMPLETED)
    _mentorship(world, "Cato", state=State.ACTIVE)
    client.force_login(world.coordinator)
    assert _titles(client, q="henk") == ["Amira"]
    assert _titles(client, q="amira oegstgeest") == ["Amira"]
    assert _titles(client, stap="afgerond") == ["Bo"]
    assert "Bo" not in _titles(client, stap="lopend")
    assert _titles(client, stap=State.ACTIVE) == ["Cato"]
    everything = _titles(client)
    assert everything[-1] == "Bo"  # running ones first


def test_a_bad_step_is_a_clear_error(world: World, english: Client) -> None:
    _mentorship(world, "Amira")
    english.force_login(world.coordinator)
    response = english.get(MENTORS, {"stap": "flying"})
    assert response.status_code == 200
    assert response.context["search"].errors["stap"]
    assert "Amira" in [m.young_person.first_name for m in response.context["mentorships"]]


def test_the_mentorships_page_and_only_the_page_is_logged(world: World, client: Client) -> None:
    for n in range(PAGE_SIZE + 2):
        _mentorship(world, f"M{n:02d}")
    client.force_login(world.coordinator)
    mark = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(MENTORS)
    shown = sorted(m.young_person_id for m in response.context["mentorships"])
    assert len(shown) == PAGE_SIZE
    logged = AccessLogEntry.objects.filter(pk__gt=mark).values_list("young_person_id", flat=True)
    assert sorted(logged) == shown
    nothing = client.get(MENTORS, {"q": "nobody-is-called-this"}).content.decode()
    assert 'href="?"' in nothing


def _grow_mentorships(world: World) -> Callable[[int], None]:
    def grow(n: int) -> None:
        for i in range(n):
            _mentorship(world, f"Groei{i}", state=State.COMPLETED if i % 3 == 0 else State.NOMINATED)

    return grow


@pytest.mark.parametrize("params", [{}, {"stap": "lopend", "q": "groei"}, {"pagina": "2"}])
def test_the_mentorships_queries_do_not_grow(world: World, client: Client, params: dict[str, str]) -> None:
    client.force_login(world.coordinator)
    assert_queries_do_not_grow(client, MENTORS, _grow_mentorships(world), params)


# --- Expense claims --------------------------------------------------------------------------------------------------


def _volunteer(world: World, first_name: str) -> Volunteer:
    volunteer = VolunteerFactory(organisation=world.organisation)
    volunteer.user.first_name = first_name
    volunteer.user.save(update_fields=["first_name"])
    return volunteer


def _claim(volunteer: Volunteer) -> ExpenseClaim:
    return expenses_services.claim_submit(
        volunteer=volunteer,
        date=timezone.localdate(),
        kilometres=Decimal("10"),
        costs=Decimal("0"),
        description="Naar de kinderboerderij",
    )


def test_claims_search_and_status_filter(world: World, client: Client) -> None:
    waiting = _claim(_volunteer(world, "Anouk"))
    approved = _claim(_volunteer(world, "Bram"))
    expenses_services.claim_decide(actor=world.coordinator, claim=approved, approve=True, reason="")
    client.force_login(world.coordinator)
    page = client.get(CLAIMS, {"q": "anouk"})
    assert (list(page.context["waiting"]), list(page.context["decided"])) == ([waiting], [])
    page = client.get(CLAIMS, {"status": ExpenseClaim.Status.APPROVED})
    assert page.context["waiting_listing"] is None and list(page.context["decided"]) == [approved]
    page = client.get(CLAIMS, {"status": ExpenseClaim.Status.SUBMITTED})
    assert list(page.context["waiting"]) == [waiting] and page.context["decided_listing"] is None
    page = client.get(CLAIMS, {"status": ExpenseClaim.Status.REFUSED})
    assert list(page.context["decided"]) == []


def test_a_bad_status_is_a_clear_error(world: World, english: Client) -> None:
    waiting = _claim(_volunteer(world, "Anouk"))
    english.force_login(world.coordinator)
    response = english.get(CLAIMS, {"status": "lost"})
    assert response.status_code == 200
    assert response.context["search"].errors["status"]
    assert list(response.context["waiting"]) == [waiting]


def test_the_claims_page_apart(world: World, client: Client) -> None:
    volunteer = _volunteer(world, "Anouk")
    for _ in range(PAGE_SIZE + 1):
        _claim(volunteer)
    client.force_login(world.coordinator)
    first = client.get(CLAIMS)
    assert len(first.context["waiting"]) == PAGE_SIZE
    second = client.get(CLAIMS, {"pagina": "2"})
    assert len(second.context["waiting"]) == 1
    assert 'href="?pagina=2"' in first.content.decode()


def _grow_claims(world: World) -> Callable[[int], None]:
    def grow(n: int) -> None:
        for i in range(n):
            claim = _claim(_volunteer(world, f"Groei{i}"))
            if i % 2:
                expenses_services.claim_decide(actor=world.coordinator, claim=claim, approve=True, reason="")

    return grow


@pytest.mark.parametrize("params", [{}, {"q": "groei"}, {"status": "approved", "pagina_besloten": "2"}])
def test_the_claims_queries_do_not_grow(world: World, client: Client, params: dict[str, str]) -> None:
    client.force_login(world.coordinator)
    assert_queries_do_not_grow(client, CLAIMS, _grow_claims(world), params)
