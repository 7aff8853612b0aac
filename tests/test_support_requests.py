"""The intake of a family's request for a support family: recording it, the family correcting it, withdrawing it,
and the waiting list with its waiting time and place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accesslog.models import AccessLogEntry
from accounts.models import Role
from hostfamilies.models import SupportRequest
from hostfamilies.selectors import support_families_to_propose, waiting_list_positions
from hostfamilies.services import (
    match_propose,
    supportrequest_create,
    supportrequest_update,
    supportrequest_withdraw,
)
from tests.builders.hostfamilies import ready_family
from tests.conftest import World
from tests.factories import CaseFactory, OrganisationFactory, YoungPersonFactory, assign, user_with_role
from tests.permissions import HIDDEN, OK, REDIRECT, expect, role_matrix
from volunteers.models import Household


@pytest.fixture(autouse=True)
def _english(client: Client, settings: Any) -> Iterator[None]:
    # The texts below are read in English, so they hold whatever the Dutch translation says.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


FULL_INTAKE: dict[str, Any] = {
    "other_children_ages": [4, 9],
    "wants_weekend_stays": True,
    "wants_weekday_afternoons": False,
    "frequency": "monthly",
    "wishes": "  Een gezin met kinderen van dezelfde leeftijd.  ",
    "home_place": "katwijk",
    "languages": ["nl", "ar"],
    "pet_allergy": True,
    "smoke_free": True,
    "culture_or_religion": "Geen varkensvlees",
}


def make_request(world: World, **intake: Any) -> SupportRequest:
    return supportrequest_create(
        actor=world.professional,
        case=world.case,
        organisation=world.organisation,
        what_for="Rust voor moeder",
        **intake,
    )


@pytest.fixture
def requests(world: World) -> dict[bool, SupportRequest]:
    """A waiting request for world.case, and one for the foreign case in the other organisation."""
    foreign = supportrequest_create(
        actor=world.outsider, case=world.foreign_case, organisation=world.other_organisation, what_for="Weekends"
    )
    return {True: make_request(world), False: foreign}


def test_the_whole_intake_is_recorded_cleaned_and_geocoded(world: World) -> None:
    made = make_request(world, **FULL_INTAKE)
    made.refresh_from_db()
    assert made.other_children_ages == [4, 9]
    assert made.frequency == "monthly" and made.wants_weekend_stays and not made.wants_weekday_afternoons
    assert made.wishes == "Een gezin met kinderen van dezelfde leeftijd."
    assert made.home_place == "Katwijk" and made.latitude is not None and round(made.latitude, 1) == 52.2
    assert made.languages == ["nl", "ar"] and made.pet_allergy and made.smoke_free
    assert made.culture_or_religion == "Geen varkensvlees"
    assert made.updated_by == world.professional and made.status == SupportRequest.Status.WAITING


def test_without_a_place_the_family_lives_where_the_child_lives(world: World) -> None:
    made = make_request(world)
    assert made.home_place == world.young_person.home_place
    assert made.languages == world.young_person.languages
    assert made.latitude is not None


@pytest.mark.parametrize(
    ("intake", "field"),
    [
        ({"other_children_ages": [4, 31]}, "other_children_ages"),
        ({"other_children_ages": list(range(9))}, "other_children_ages"),
        ({"frequency": "daily"}, "frequency"),
        ({"languages": ["nl", "xx"]}, "languages"),
        ({"home_place": "Nergenshuizen"}, "home_place"),
        ({"home_place": "2311 AB"}, "home_place"),
    ],
)
def test_a_wrong_intake_value_names_its_field_and_saves_nothing(
    world: World, intake: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        make_request(world, **intake)
    assert field in error.value.message_dict
    assert not SupportRequest.objects.exists()


def test_what_for_is_needed(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        supportrequest_create(actor=world.professional, case=world.case, organisation=world.organisation, what_for=" ")
    assert "what_for" in error.value.message_dict


def test_an_unknown_field_is_a_programming_error(world: World) -> None:
    with pytest.raises(TypeError):
        make_request(world, diagnosis="nothing of the kind is stored")


@pytest.mark.parametrize("persona", ["parent", "professional", "coordinator"])
def test_the_family_and_those_who_work_on_the_request_correct_it(
    world: World, requests: dict[bool, SupportRequest], persona: str
) -> None:
    actor = world.by_role(persona)
    corrected = supportrequest_update(
        actor=actor, support_request=requests[True], wants_weekday_afternoons=True, other_children_ages=[7]
    )
    corrected.refresh_from_db()
    assert corrected.wants_weekday_afternoons and corrected.other_children_ages == [7]
    assert corrected.what_for == "Rust voor moeder", "fields that were not sent stay as they were"
    assert corrected.updated_by == actor


@pytest.mark.parametrize("persona", ["young_person_user", "mentor", "volunteer", "analyst", "admin", "outsider"])
def test_nobody_else_corrects_or_withdraws_a_request(
    world: World, requests: dict[bool, SupportRequest], persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        supportrequest_update(actor=world.by_role(persona), support_request=requests[True], wishes="x")
    with pytest.raises(PermissionDenied):
        supportrequest_withdraw(actor=world.by_role(persona), support_request=requests[True])
    requests[True].refresh_from_db()
    assert requests[True].wishes == "" and requests[True].status == SupportRequest.Status.WAITING


def test_a_wrong_correction_changes_nothing(world: World, requests: dict[bool, SupportRequest]) -> None:
    with pytest.raises(ValidationError):
        supportrequest_update(actor=world.parent, support_request=requests[True], wishes="Nieuw", frequency="hourly")
    requests[True].refresh_from_db()
    assert requests[True].wishes == ""


def test_a_parent_withdraws_a_waiting_request_and_then_it_no_longer_changes(
    world: World, requests: dict[bool, SupportRequest]
) -> None:
    withdrawn = supportrequest_withdraw(actor=world.parent, support_request=requests[True])
    assert withdrawn.status == SupportRequest.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        supportrequest_update(actor=world.parent, support_request=withdrawn, wishes="Toch wel")
    with pytest.raises(ValidationError):
        supportrequest_withdraw(actor=world.parent, support_request=withdrawn)


def test_a_request_with_a_proposed_match_is_not_withdrawn(world: World, requests: dict[bool, SupportRequest]) -> None:
    match_propose(actor=world.coordinator, request=requests[True], volunteer=ready_family(world.organisation))
    with pytest.raises(ValidationError, match="waiting"):
        supportrequest_withdraw(actor=world.professional, support_request=requests[True])


def test_the_waiting_list_counts_per_organisation_oldest_first(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    second_case = assign(CaseFactory(organisation=world.organisation), world.professional)
    first = make_request(world)
    second = supportrequest_create(
        actor=world.professional, case=second_case, organisation=world.organisation, what_for="Middagen"
    )
    elsewhere = supportrequest_create(
        actor=world.outsider, case=world.foreign_case, organisation=world.other_organisation, what_for="Weekends"
    )
    SupportRequest.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=30))
    with django_assert_num_queries(1):
        positions = waiting_list_positions([first, second, elsewhere])
    assert positions == {first.pk: (1, 2), second.pk: (2, 2), elsewhere.pk: (1, 1)}
    supportrequest_withdraw(actor=world.professional, support_request=first)
    second.refresh_from_db()
    assert waiting_list_positions([second]) == {second.pk: (1, 1)}
    assert waiting_list_positions([]) == {}


# --- Pages ---------------------------------------------------------------------------------------------------

FAMILY_AND_WORKERS = expect(HIDDEN, parent=OK, professional=OK, coordinator=OK)
VIEWS = [
    (
        "edit",
        "get",
        "hostfamilies:request_edit",
        FAMILY_AND_WORKERS,
        expect(HIDDEN, outsider=OK),
    ),
    (
        "edit",
        "post",
        "hostfamilies:request_edit",
        expect(HIDDEN, parent=REDIRECT, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
    (
        "withdraw",
        "get",
        "hostfamilies:request_withdraw",
        FAMILY_AND_WORKERS,
        expect(HIDDEN, outsider=OK),
    ),
    (
        "withdraw",
        "post",
        "hostfamilies:request_withdraw",
        expect(HIDDEN, parent=REDIRECT, professional=REDIRECT, coordinator=REDIRECT),
        expect(HIDDEN, outsider=REDIRECT),
    ),
]


@pytest.mark.parametrize(("name", "method", "url_name", "persona", "own", "expected"), role_matrix(VIEWS))
def test_request_page_answers_each_role(
    world: World,
    requests: dict[bool, SupportRequest],
    client: Client,
    name: str,
    method: str,
    url_name: str,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    data = {"what_for": "Anders", "home_place": "Leiden", "languages": ["nl"]} if name == "edit" else {}
    response = getattr(client, method)(reverse(url_name, args=[requests[own].pk]), data)
    assert response.status_code == expected
    changed = expected == REDIRECT
    requests[own].refresh_from_db()
    if name == "edit":
        assert (requests[own].what_for == "Anders") is changed
    else:
        assert (requests[own].status == SupportRequest.Status.WITHDRAWN) is changed


def test_a_parent_corrects_the_request_on_the_page_and_it_is_logged(
    world: World, requests: dict[bool, SupportRequest], client: Client
) -> None:
    url = reverse("hostfamilies:request_edit", args=[requests[True].pk])
    client.force_login(world.parent)
    page = client.get(url)
    assert page.context["form"].initial["home_place"] == "Leiden"
    data = {
        "what_for": "Rust voor moeder",
        "other_children_ages": "4, 9",
        "frequency": "fortnightly",
        "home_place": "Leiden",
        "languages": ["nl", "tr"],
        "smoke_free": "on",
    }
    response = client.post(url, data)
    assert response["Location"] == reverse("hostfamilies:request_detail", args=[requests[True].pk])
    requests[True].refresh_from_db()
    assert requests[True].other_children_ages == [4, 9] and requests[True].frequency == "fortnightly"
    assert requests[True].languages == ["nl", "tr"] and requests[True].smoke_free
    assert requests[True].updated_by == world.parent
    entries = AccessLogEntry.objects.filter(young_person=world.young_person, actor=world.parent)
    assert entries.count() == 2 and {e.actor_role for e in entries} == {Role.PARENT}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"other_children_ages": "vier"}, "whole numbers"),
        ({"home_place": "Nergenshuizen"}, "Nergenshuizen"),
        ({"what_for": ""}, "required"),
    ],
)
def test_a_wrong_correction_on_the_page_says_what_and_saves_nothing(
    world: World, requests: dict[bool, SupportRequest], client: Client, data: dict[str, Any], message: str
) -> None:
    client.force_login(world.parent)
    valid = {"what_for": "Rust", "home_place": "Leiden", "languages": ["nl"], "wishes": "Nieuw"}
    response = client.post(reverse("hostfamilies:request_edit", args=[requests[True].pk]), {**valid, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    requests[True].refresh_from_db()
    assert requests[True].wishes == ""


def test_the_request_page_shows_the_intake_and_the_place_on_the_waiting_list(world: World, client: Client) -> None:
    older_case = assign(CaseFactory(organisation=world.organisation), world.professional)
    older = supportrequest_create(
        actor=world.professional, case=older_case, organisation=world.organisation, what_for="Middagen"
    )
    SupportRequest.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=40))
    mine = make_request(world, **FULL_INTAKE)
    client.force_login(world.parent)
    page = client.get(reverse("hostfamilies:request_detail", args=[mine.pk])).content.decode()
    assert "Place 2 of 2 on this waiting list." in page
    for shown in ("aged 4, 9", "Katwijk", "Arabic", "allergic to pets", "Geen varkensvlees", "Once a month"):
        assert shown in page
    overview = client.get(reverse("hostfamilies:overview")).content.decode()
    assert "place 2 of 2" in overview


def test_after_a_match_the_page_says_how_long_the_family_waited(
    world: World, requests: dict[bool, SupportRequest], client: Client
) -> None:
    SupportRequest.objects.filter(pk=requests[True].pk).update(created_at=timezone.now() - timedelta(days=21))
    match_propose(actor=world.coordinator, request=requests[True], volunteer=ready_family(world.organisation))
    client.force_login(world.professional)
    page = client.get(reverse("hostfamilies:request_detail", args=[requests[True].pk])).content.decode()
    assert "Waited 3\xa0weeks for the first support family to be proposed." in page


def test_the_request_form_records_the_whole_intake(world: World, client: Client) -> None:
    client.force_login(world.professional)
    response = client.post(
        reverse("hostfamilies:request_create"),
        {
            "case": world.case.pk,
            "organisation": world.organisation.pk,
            "what_for": "Rust voor moeder",
            "other_children_ages": "4",
            "wants_weekend_stays": "on",
            "frequency": "monthly",
            "home_place": "",
            "pet_allergy": "on",
        },
    )
    made = SupportRequest.objects.get()
    assert response["Location"] == reverse("hostfamilies:request_detail", args=[made.pk])
    assert made.other_children_ages == [4] and made.wants_weekend_stays and made.pet_allergy
    assert made.home_place == "Leiden" and made.languages == world.young_person.languages


def test_the_request_form_shows_a_place_it_does_not_know(world: World, client: Client) -> None:
    client.force_login(world.professional)
    data = {"case": world.case.pk, "organisation": world.organisation.pk, "what_for": "Rust", "home_place": "Xyz"}
    response = client.post(reverse("hostfamilies:request_create"), data)
    assert response.status_code == 200 and "Xyz" in response.content.decode()
    assert not SupportRequest.objects.exists()


def test_a_request_of_another_organisations_child_is_not_reachable_by_id(world: World, client: Client) -> None:
    child = YoungPersonFactory()
    other = OrganisationFactory()
    worker = user_with_role(Role.PROFESSIONAL, other)
    made = supportrequest_create(
        actor=worker,
        case=assign(CaseFactory(young_person=child, organisation=other), worker),
        organisation=other,
        what_for="Weekends",
    )
    client.force_login(world.parent)
    assert client.post(reverse("hostfamilies:request_withdraw", args=[made.pk])).status_code == HIDDEN
    assert client.get(reverse("hostfamilies:request_edit", args=[made.pk + 999])).status_code == HIDDEN


def test_the_family_and_the_coordinators_hear_of_a_new_request_without_details(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = make_request(world, **FULL_INTAKE)
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted(cast("list[str]", [world.parent.email, world.coordinator.email]))
    link = reverse("hostfamilies:request_detail", args=[made.pk])
    for mail in mailoutbox:
        assert link in mail.body
        for private in ("Sanne", "Rust voor moeder", "Katwijk", "varkensvlees"):
            assert private not in str(mail.subject) + mail.body


def test_no_notice_when_the_request_is_refused(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        make_request(world, frequency="hourly")
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("intake", "household", "proposable"),
    [
        ({}, {"pets": "een hond", "smoking": True}, True),
        ({"pet_allergy": True}, {"pets": "een hond"}, False),
        ({"pet_allergy": True}, {"pets": ""}, True),
        ({"smoke_free": True}, {"smoking": True}, False),
        ({"smoke_free": True}, {"smoking": False}, True),
    ],
)
def test_allergy_and_smoke_free_leave_families_out_of_the_proposals(
    world: World, intake: dict[str, Any], household: dict[str, Any], proposable: bool
) -> None:
    family = ready_family(world.organisation)
    Household.objects.update_or_create(volunteer=family, defaults=household)
    made = make_request(world, **intake)
    proposable_families = support_families_to_propose(world.coordinator, made)
    assert proposable_families is not None, "a coordinator may propose"
    assert (family in proposable_families) is proposable
