"""Expense claims: the amount, the yearly maximum at its boundary, decisions, withdrawal, and the pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from expenses import services
from expenses.models import ExpenseClaim
from expenses.selectors import claim_year_summary
from tests.conftest import World
from tests.factories import VolunteerFactory, user_with_role
from volunteers.models import Volunteer, VolunteerPolicy

TODAY = timezone.localdate()


@pytest.fixture
def volunteer(world: World) -> Volunteer:
    """world.volunteer's profile in world.organisation, where world.coordinator is coordinator."""
    return VolunteerFactory(user=world.volunteer, organisation=world.organisation)


def submit(volunteer: Volunteer, **overrides: Any) -> ExpenseClaim:
    data: dict[str, Any] = {
        "volunteer": volunteer,
        "date": TODAY,
        "kilometres": Decimal("0"),
        "costs": Decimal("0"),
        "description": "Naar de kinderboerderij",
    }
    return services.claim_submit(**(data | overrides))


def messages_of(error: ValidationError) -> str:
    # Amounts keep "€" and the number together with a no-break space; tests read it as a plain space.
    return " ".join(error.messages).replace("\N{NO-BREAK SPACE}", " ")


# --- Submitting ---------------------------------------------------------------------------------------------


def test_amount_is_kilometres_times_rate_plus_costs(volunteer: Volunteer) -> None:
    claim = submit(volunteer, kilometres=Decimal("10"), costs=Decimal("2.50"))
    assert claim.amount == Decimal("4.80")  # 10 km at € 0,23 plus € 2,50
    assert claim.status == ExpenseClaim.Status.SUBMITTED


def test_amount_rounds_half_cents_up(volunteer: Volunteer) -> None:
    assert submit(volunteer, kilometres=Decimal("12.5")).amount == Decimal("2.88")  # 2.875


def test_amount_is_kept_when_the_rate_changes_later(volunteer: Volunteer) -> None:
    claim = submit(volunteer, kilometres=Decimal("100"))
    VolunteerPolicy.objects.create(organisation=volunteer.organisation, expense_rate_per_km=Decimal("0.35"))
    claim.refresh_from_db()
    assert claim.amount == Decimal("23.00")
    assert submit(volunteer, kilometres=Decimal("100")).amount == Decimal("35.00")


def test_exactly_the_yearly_maximum_is_allowed(volunteer: Volunteer) -> None:
    submit(volunteer, costs=Decimal("2000.00"))
    submit(volunteer, costs=Decimal("100.00"))
    assert claim_year_summary(volunteer=volunteer).left == Decimal("0.00")


def test_one_cent_over_the_maximum_is_refused_and_says_what_is_left(volunteer: Volunteer) -> None:
    submit(volunteer, costs=Decimal("1974.60"))
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        submit(volunteer, costs=Decimal("125.41"))
    assert "Je kunt dit jaar nog € 125,40 declareren." in messages_of(refused.value)
    assert ExpenseClaim.objects.count() == 1
    submit(volunteer, costs=Decimal("125.40"))
    assert claim_year_summary(volunteer=volunteer).left == Decimal("0.00")


def test_the_maximum_message_in_english(volunteer: Volunteer) -> None:
    submit(volunteer, costs=Decimal("2000"))
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        submit(volunteer, costs=Decimal("2000"))
    assert "You can claim € 100.00 more this year." in messages_of(refused.value)
    assert "€ 2,100.00" in messages_of(refused.value)


def test_an_organisation_policy_overrides_rate_and_maximum(volunteer: Volunteer) -> None:
    VolunteerPolicy.objects.create(
        organisation=volunteer.organisation,
        expense_yearly_maximum=Decimal("100.00"),
        expense_rate_per_km=Decimal("0.30"),
    )
    assert submit(volunteer, kilometres=Decimal("10")).amount == Decimal("3.00")
    with pytest.raises(ValidationError):
        submit(volunteer, costs=Decimal("97.01"))
    submit(volunteer, costs=Decimal("97.00"))
    summary = claim_year_summary(volunteer=volunteer)
    assert (summary.maximum, summary.rate_per_km, summary.left) == (Decimal("100.00"), Decimal("0.30"), Decimal(0))


def test_another_organisations_policy_does_not_apply(world: World, volunteer: Volunteer) -> None:
    VolunteerPolicy.objects.create(organisation=world.other_organisation, expense_yearly_maximum=Decimal("10"))
    submit(volunteer, costs=Decimal("2100"))


def test_refused_claims_do_not_count(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("2100"))
    services.claim_decide(actor=world.coordinator, claim=claim, approve=False, reason="Geen bonnetje")
    submit(volunteer, costs=Decimal("2100"))


def test_approved_claims_count(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("2000"))
    services.claim_decide(actor=world.coordinator, claim=claim, approve=True, reason="")
    with pytest.raises(ValidationError):
        submit(volunteer, costs=Decimal("100.01"))
    summary = claim_year_summary(volunteer=volunteer)
    assert (summary.approved, summary.submitted, summary.left) == (Decimal("2000"), Decimal(0), Decimal("100"))


def test_the_maximum_is_per_calendar_year_of_the_activity(volunteer: Volunteer) -> None:
    submit(volunteer, date=date(TODAY.year - 1, 12, 31), costs=Decimal("2100"))
    submit(volunteer, costs=Decimal("2100"))
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        submit(volunteer, date=date(TODAY.year - 1, 12, 31), costs=Decimal("1"))
    assert f"Je kunt voor {TODAY.year - 1} nog € 0,00 declareren." in messages_of(refused.value)


def test_other_volunteers_claims_do_not_count(world: World, volunteer: Volunteer) -> None:
    submit(VolunteerFactory(organisation=world.organisation), costs=Decimal("2100"))
    submit(volunteer, costs=Decimal("2100"))


def test_a_date_in_the_future_is_refused(volunteer: Volunteer) -> None:
    with pytest.raises(ValidationError) as refused:
        submit(volunteer, date=TODAY + timedelta(days=1), costs=Decimal("5"))
    assert "date" in refused.value.message_dict


def test_a_date_more_than_a_year_back_is_refused(volunteer: Volunteer) -> None:
    year_ago = services._one_year_before(TODAY)
    submit(volunteer, date=year_ago, costs=Decimal("5"))
    with pytest.raises(ValidationError) as refused:
        submit(volunteer, date=year_ago - timedelta(days=1), costs=Decimal("5"))
    assert "date" in refused.value.message_dict


def test_a_claim_of_nothing_is_refused(volunteer: Volunteer) -> None:
    with pytest.raises(ValidationError):
        submit(volunteer)
    with pytest.raises(ValidationError):  # 0.02 km is stored as 0.0 km: € 0,00
        submit(volunteer, kilometres=Decimal("0.02"))


def test_negative_numbers_are_refused_by_the_service_and_the_database(volunteer: Volunteer) -> None:
    with pytest.raises(ValidationError):
        submit(volunteer, kilometres=Decimal("-10"), costs=Decimal("5"))
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ExpenseClaim.objects.create(
            volunteer=volunteer, date=TODAY, kilometres=0, costs=Decimal("-1"), amount=1, description="x"
        )


# --- Deciding -----------------------------------------------------------------------------------------------


def test_coordinator_approves(world: World, volunteer: Volunteer) -> None:
    claim = services.claim_decide(
        actor=world.coordinator, claim=submit(volunteer, costs=Decimal("5")), approve=True, reason=""
    )
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED
    assert claim.decided_by == world.coordinator
    assert claim.decided_at is not None


def test_refusing_needs_a_reason(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    with pytest.raises(ValidationError) as refused:
        services.claim_decide(actor=world.coordinator, claim=claim, approve=False, reason="   ")
    assert "reason" in refused.value.message_dict
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED
    services.claim_decide(actor=world.coordinator, claim=claim, approve=False, reason="Dit was geen activiteit")
    claim.refresh_from_db()
    assert (claim.status, claim.refusal_reason) == (ExpenseClaim.Status.REFUSED, "Dit was geen activiteit")


def test_a_claim_is_decided_only_once(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    services.claim_decide(actor=world.coordinator, claim=claim, approve=True, reason="")
    with pytest.raises(ValidationError, match="al besloten"):
        services.claim_decide(actor=world.coordinator, claim=claim, approve=False, reason="Toch niet")
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED


def test_only_a_coordinator_of_the_volunteers_organisation_decides(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    other_coordinator = user_with_role(Role.COORDINATOR, world.other_organisation)
    for actor in (world.professional, other_coordinator, world.volunteer):
        with pytest.raises(ValidationError):
            services.claim_decide(actor=actor, claim=claim, approve=True, reason="")
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.SUBMITTED


def test_a_coordinator_does_not_decide_their_own_claim(world: World) -> None:
    own = VolunteerFactory(user=world.coordinator, organisation=world.organisation)
    with pytest.raises(ValidationError, match="eigen declaratie"):
        services.claim_decide(actor=world.coordinator, claim=submit(own, costs=Decimal("5")), approve=True, reason="")


# --- Withdrawing --------------------------------------------------------------------------------------------


def test_a_volunteer_withdraws_a_waiting_claim(world: World, volunteer: Volunteer) -> None:
    services.claim_withdraw(actor=world.volunteer, claim=submit(volunteer, costs=Decimal("5")))
    assert not ExpenseClaim.objects.exists()


def test_a_decided_claim_cannot_be_withdrawn(world: World, volunteer: Volunteer) -> None:
    for approve in (True, False):
        claim = submit(volunteer, costs=Decimal("5"))
        services.claim_decide(actor=world.coordinator, claim=claim, approve=approve, reason="Nee")
        with pytest.raises(ValidationError):
            services.claim_withdraw(actor=world.volunteer, claim=claim)
    assert ExpenseClaim.objects.count() == 2


def test_only_the_volunteer_withdraws_their_claim(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    with pytest.raises(ValidationError):
        services.claim_withdraw(actor=world.coordinator, claim=claim)
    assert ExpenseClaim.objects.filter(pk=claim.pk).exists()


def test_deciding_a_withdrawn_claim_says_so(world: World, volunteer: Volunteer) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    services.claim_withdraw(actor=world.volunteer, claim=claim)
    with pytest.raises(ValidationError, match="ingetrokken"):
        services.claim_decide(actor=world.coordinator, claim=claim, approve=True, reason="")


# --- Pages --------------------------------------------------------------------------------------------------

LIST = reverse("expenses:claim_list")


def form_data(**overrides: str) -> dict[str, str]:
    return {"date": TODAY.isoformat(), "kilometres": "12,5", "costs": "3,50", "description": "Zwembad"} | overrides


def page_text(response: Any) -> str:
    content: bytes = response.content
    return content.decode().replace("\N{NO-BREAK SPACE}", " ")


def test_volunteer_page_shows_rate_maximum_and_what_is_left(world: World, volunteer: Volunteer, client: Client) -> None:
    submit(volunteer, costs=Decimal("100"))
    client.force_login(world.volunteer)
    with translation.override("nl"):
        text = page_text(client.get(LIST, HTTP_ACCEPT_LANGUAGE="nl"))
    assert "€ 0,23" in text
    assert "€ 2.100,00" in text
    assert "€ 2.000,00" in text  # left
    assert "Naar de kinderboerderij" in text


def test_volunteer_submits_a_claim_with_dutch_decimals(world: World, volunteer: Volunteer, client: Client) -> None:
    client.force_login(world.volunteer)
    response = client.post(LIST, form_data(), follow=True)
    claim = ExpenseClaim.objects.get()
    assert (claim.kilometres, claim.costs, claim.amount) == (Decimal("12.5"), Decimal("3.50"), Decimal("6.38"))
    assert list(response.context["messages"])


def test_volunteer_sees_the_maximum_error_on_the_form(world: World, volunteer: Volunteer, client: Client) -> None:
    submit(volunteer, costs=Decimal("2090"))
    client.force_login(world.volunteer)
    response = client.post(LIST, form_data(costs="20"))
    assert response.status_code == 200
    assert "€ 10,00" in page_text(response)
    assert ExpenseClaim.objects.count() == 1


def test_volunteer_role_without_profile_gets_an_explanation(world: World, client: Client) -> None:
    client.force_login(world.volunteer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["volunteer"] is None
    assert client.post(LIST, form_data()).status_code == 403


def test_volunteer_sees_a_refusal_reason(world: World, volunteer: Volunteer, client: Client) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    services.claim_decide(actor=world.coordinator, claim=claim, approve=False, reason="Geen bonnetje")
    client.force_login(world.volunteer)
    assert "Geen bonnetje" in page_text(client.get(LIST))


def test_coordinator_approves_on_the_page(world: World, volunteer: Volunteer, client: Client) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    client.force_login(world.coordinator)
    assert claim in client.get(LIST).context["waiting"]
    client.post(reverse("expenses:claim_approve", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ExpenseClaim.Status.APPROVED
    response = client.get(LIST)
    assert list(response.context["waiting"]) == []
    assert list(response.context["decided"]) == [claim]


def test_approving_twice_shows_an_error_message(world: World, volunteer: Volunteer, client: Client) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    client.force_login(world.coordinator)
    client.post(reverse("expenses:claim_approve", args=[claim.pk]))
    response = client.post(reverse("expenses:claim_approve", args=[claim.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"


def test_coordinator_refuses_with_a_reason(world: World, volunteer: Volunteer, client: Client) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    client.force_login(world.coordinator)
    url = reverse("expenses:claim_refuse", args=[claim.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.post(url, {"reason": "Geen bonnetje"}).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.refusal_reason) == (ExpenseClaim.Status.REFUSED, "Geen bonnetje")


def test_volunteer_withdraws_on_the_page(world: World, volunteer: Volunteer, client: Client) -> None:
    claim = submit(volunteer, costs=Decimal("5"))
    client.force_login(world.volunteer)
    assert client.post(reverse("expenses:claim_withdraw", args=[claim.pk])).status_code == 302
    assert not ExpenseClaim.objects.exists()


def test_coordinator_without_claims_sees_empty_states(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["waiting"]) == []
    # No claim form (the search form above the claims is another form).
    assert 'name="kilometres"' not in response.content.decode()


def test_a_coordinator_who_volunteers_does_not_see_their_own_claim_to_decide(world: World, client: Client) -> None:
    own = VolunteerFactory(user=world.coordinator, organisation=world.organisation)
    submit(own, costs=Decimal("5"))
    client.force_login(world.coordinator)
    assert list(client.get(LIST).context["waiting"]) == []
