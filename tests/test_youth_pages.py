"""Registering a young person, linking a parent, and giving consent through the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accesslog.models import AccessLogEntry
from accounts.models import Role, User
from tests.conftest import World
from tests.factories import MunicipalityFactory
from youth.models import Case, CaseAssignment, Consent, ConsentPurpose, Guardianship, YoungPerson
from youth.services import consent_withdraw


def _form(world: World, **overrides: Any) -> dict[str, Any]:
    leiden = MunicipalityFactory(name="Leiden")
    data = {
        "organisation": world.organisation.pk,
        "first_name": "Daan",
        "last_name": "",
        "date_of_birth": "2014-05-01",
        "home_place": "Leiden",
        "home_postcode": "2311ab",
        "residence_municipality": leiden.pk,
        "paying_municipality": MunicipalityFactory(name="Katwijk", region=leiden.region).pk,
        "languages": ["nl", "ar"],
        "threatened_out_of_home_placement": "on",
    }
    return data | overrides


def test_a_professional_registers_a_young_person_and_leads_the_new_case(world: World, client: Client) -> None:
    client.force_login(world.professional)
    response = client.post(reverse("youth:youngperson_register"), _form(world))
    daan = YoungPerson.objects.get(first_name="Daan")
    assert response["Location"] == reverse("youth:youngperson_detail", args=[daan.pk])
    assert (daan.home_postcode, daan.languages) == ("2311 AB", ["nl", "ar"])
    assert daan.paying_municipality != daan.residence_municipality
    assert daan.latitude is not None
    case = Case.objects.get(young_person=daan)
    assert case.threatened_out_of_home_placement
    assert CaseAssignment.objects.get(case=case).professional == world.professional


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"home_place": "Atlantis"}, "home_place"),
        ({"home_postcode": "12345"}, "home_postcode"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "gisteren"}, "date_of_birth"),
        ({"first_name": ""}, "first_name"),
        ({"residence_municipality": "999999"}, "residence_municipality"),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(
    world: World, client: Client, overrides: dict[str, str], field: str
) -> None:
    client.force_login(world.professional)
    before = (YoungPerson.objects.count(), Case.objects.count())
    response = client.post(reverse("youth:youngperson_register"), _form(world, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="error-summary"' in response.content.decode()
    assert (YoungPerson.objects.count(), Case.objects.count()) == before


def test_a_professional_cannot_register_into_another_organisation(world: World, client: Client) -> None:
    client.force_login(world.professional)
    response = client.post(
        reverse("youth:youngperson_register"), _form(world, organisation=world.other_organisation.pk)
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not YoungPerson.objects.filter(first_name="Daan").exists()


def test_a_new_parent_is_linked_invited_and_can_log_in(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.professional)
    url = reverse("youth:guardian_add", args=[world.young_person.pk])
    data = {
        "first_name": "Joost",
        "last_name": "",
        "email": "joost@test.example",
        "kind": "parent",
        "has_custody": "yes",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    joost = User.objects.get(email="joost@test.example")
    assert not joost.has_usable_password()
    assert joost.roles.filter(role=Role.PARENT).exists()
    assert Guardianship.objects.get(guardian=joost).has_custody
    [email] = mail.outbox
    assert email.to == ["joost@test.example"]
    assert "/accounts/password/reset/key/" in email.body

    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Guardianship.objects.filter(guardian=joost).count() == 1

    client.logout()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(email.body))
    assert link
    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"password1": "mijn-eigen-wachtwoord-7", "password2": "mijn-eigen-wachtwoord-7"})
    response = client.post(
        reverse("account_login"), {"login": "joost@test.example", "password": "mijn-eigen-wachtwoord-7"}
    )
    assert response["Location"] == reverse("home")


def test_consent_is_given_and_taken_back_on_the_consent_page(world: World, client: Client) -> None:
    Consent.objects.filter(young_person=world.young_person).delete()  # before anyone answered
    client.force_login(world.young_person_user)
    url = reverse("youth:consent_decide", args=[world.young_person.pk])
    client.post(url, {"purpose": ConsentPurpose.DATA_PROCESSING, "decision": "give"})
    standing = Consent.objects.filter(young_person=world.young_person, withdrawn_at__isnull=True)
    assert standing.count() == 1
    page = client.get(reverse("youth:consent", args=[world.young_person.pk]))
    assert page.status_code == 200
    client.post(url, {"purpose": ConsentPurpose.DATA_PROCESSING, "decision": "withdraw"})
    assert standing.count() == 0


@pytest.mark.parametrize("data", [{"purpose": "alles", "decision": "give"}, {"purpose": "data_processing"}, {}])
def test_a_broken_consent_post_changes_nothing(world: World, client: Client, data: dict[str, str]) -> None:
    client.force_login(world.young_person_user)
    before = list(Consent.objects.values_list("pk", "withdrawn_at"))
    response = client.post(reverse("youth:consent_decide", args=[world.young_person.pk]), data, follow=True)
    assert response.status_code == 200
    assert list(Consent.objects.values_list("pk", "withdrawn_at")) == before
    assert list(response.context["messages"])


def test_the_home_page_tells_a_parent_what_to_do(world: World, client: Client) -> None:
    Consent.objects.filter(young_person=world.young_person, given_by=world.parent).delete()  # before she answered
    client.force_login(world.parent)
    page = client.get(reverse("home")).content.decode()
    assert reverse("youth:consent", args=[world.young_person.pk]) in page
    assert reverse("youth:accesslog", args=[world.young_person.pk]) in page
    assert not AccessLogEntry.objects.exists()


def test_the_home_page_shows_a_professional_which_cases_wait_for_consent(world: World, client: Client) -> None:
    client.force_login(world.professional)
    assert client.get(reverse("home")).context["cases_waiting_for_consent"] == 0
    consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.NETWORK_SHARING)
    response = client.get(reverse("home"))
    assert response.context["cases_waiting_for_consent"] == 1
    assert "Marieke" in response.content.decode(), "the badge names who still has to say yes"
    assert world.foreign_young_person.first_name not in response.content.decode()


def test_the_register_service_itself_refuses_another_organisation(world: World) -> None:
    from django.core.exceptions import ValidationError

    from youth.services import youngperson_register

    leiden = MunicipalityFactory(name="Leiden")
    with pytest.raises(ValidationError):
        youngperson_register(
            actor=world.professional,
            organisation=world.other_organisation,
            first_name="Daan",
            last_name="",
            date_of_birth=world.young_person.date_of_birth,
            residence_municipality=leiden,
            paying_municipality=leiden,
            home_place="Leiden",
            home_postcode="",
            languages=[],
            threatened_out_of_home_placement=False,
        )
    assert not YoungPerson.objects.filter(first_name="Daan").exists()


def test_the_home_page_shows_a_coordinator_cases_without_a_professional(world: World, client: Client) -> None:
    from tests.factories import CaseFactory

    orphan = CaseFactory(organisation=world.organisation)
    client.force_login(world.coordinator)
    response = client.get(reverse("home"))
    assert response.context["cases_without_professional"] == 1
    # What waits comes first in the top of the list, and the count links to the filtered case list.
    assert response.context["case_rows"][0].case == orphan
    page = response.content.decode()
    assert reverse("youth:case_detail", args=[orphan.pk]) in page
    assert reverse("youth:youngperson_list") + "?zonder_professional=on" in page
