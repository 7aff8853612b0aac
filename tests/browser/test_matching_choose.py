"""Choosing together in the browser, each person in their own browser: the coordinator opens the proposals and
shows three to the family, the parent picks one, that support family says yes, the coordinator approves, and a
support-family match exists in its introduction. axe-clean on every page, and the demo's own round is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from demo.people import DEMO_PASSWORD
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import supportrequest_create
from hostfamilies.states import State
from matching.models import Proposal, ProposalStatus
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs
from tests.factories import give_all_consents
from youth.models import Case, CaseAssignment, Guardianship, YoungPerson

pytestmark = pytest.mark.browser


def _jesse_asks_for_a_support_family() -> SupportRequest:
    """Marieke's child Jesse gets a case with Lisa and a request to the volunteer centre on Wednesday afternoons."""
    marieke = User.objects.get(email__startswith="marieke@")
    lisa = User.objects.get(email__startswith="lisa@")
    bo = YoungPerson.objects.get(first_name="Bo", last_name="de Vries")
    jesse = YoungPerson.objects.create(
        first_name="Jesse",
        last_name="de Vries",
        date_of_birth=date(2017, 2, 3),
        residence_municipality=bo.residence_municipality,
        paying_municipality=bo.paying_municipality,
        home_place="Leiden",
        latitude=bo.latitude,
        longitude=bo.longitude,
        languages=["nl"],
    )
    Guardianship.objects.create(young_person=jesse, guardian=marieke, has_custody=True)
    give_all_consents(jesse)  # Marieke said yes: the match starts only with it
    case = Case.objects.create(young_person=jesse, organisation=bo.cases.get().organisation, opened_on=date.today())
    CaseAssignment.objects.create(case=case, professional=lisa, is_lead=True)
    centre = SupportRequest.objects.get(case__young_person=bo).organisation
    return supportrequest_create(
        actor=lisa,
        case=case,
        organisation=centre,
        what_for="Samen tekenen op woensdagmiddag.",
        wants_weekday_afternoons=True,
    )


@pytest.fixture
def open_as(browser: Browser, demo_world: str, login_as: LoginAs) -> Iterator[Callable[..., Page]]:
    """A fresh English browser per person: by one-click demo login, or by email and password."""
    contexts: list[BrowserContext] = []

    def open_page(local: str = "", email: str = "") -> Page:
        context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo_world}])
        contexts.append(context)
        page = context.new_page()
        if local:
            login_as(page, local)
        else:
            page.goto(f"{demo_world}/accounts/login/")
            page.locator('input[name="login"]').fill(email)
            page.locator('input[name="password"]').fill(DEMO_PASSWORD)
            page.locator("form", has=page.locator('input[name="password"]')).get_by_role("button").click()
            page.wait_for_url(f"{demo_world}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_family_chooses_from_three_proposals_to_an_approved_match(
    demo_world: str, open_as: Callable[..., Page], assert_accessible: AssertAccessible
) -> None:
    # The demo's own round: Bo's family has three support families to choose from.
    bo_request = SupportRequest.objects.get(case__young_person__first_name="Bo")
    assert Proposal.objects.filter(support_request=bo_request, status=ProposalStatus.SHOWN).count() == 3
    request = _jesse_asks_for_a_support_family()
    round_url = f"{demo_world}/koppelen/aanvragen/{request.pk}/"

    peter = open_as("peter")
    peter.goto(f"{demo_world}/steungezinnen/aanvragen/{request.pk}/")
    peter.get_by_role("link", name="Proposals with reasons: choose together with the family").click()
    peter.wait_for_url(round_url)
    peter.get_by_role("button", name="Look for support families").click()
    expect(peter.get_by_role("table").first).to_be_visible()
    assert_accessible(peter)
    peter.get_by_role("button", name="Show the best three to the family").click()
    expect(peter.get_by_role("status")).to_contain_text("The family can now choose")
    assert Proposal.objects.filter(support_request=request, status=ProposalStatus.SHOWN).count() == 3

    marieke = open_as("marieke")
    marieke.goto(f"{demo_world}/koppelen/aanvragen/{request.pk}/kiezen/")
    choices = marieke.get_by_role("button", name="Choose ")
    expect(choices).to_have_count(3)
    assert_accessible(marieke)
    page_text = marieke.content()
    for volunteer_user in User.objects.filter(volunteer__proposals__support_request=request):
        assert volunteer_user.email is not None
        assert volunteer_user.last_name not in page_text and volunteer_user.email not in page_text
    choices.first.click()
    expect(marieke.get_by_role("status")).to_contain_text("Thank you for your choice")
    chosen = Proposal.objects.select_related("volunteer__user").get(
        support_request=request, status=ProposalStatus.ASKED
    )

    family = open_as(email=chosen.volunteer.user.email)
    family.goto(f"{demo_world}/koppelen/voorstellen/{chosen.pk}/")
    assert_accessible(family)
    family.get_by_label("Yes, I would like to support this family").check()
    family.get_by_role("button", name="Send my answer").click()
    expect(family.get_by_role("status")).to_contain_text("Your answer is recorded")

    peter.goto(round_url)
    peter.get_by_role("button", name=f"Approve the match with {chosen.volunteer.user.first_name}").click()
    expect(peter.get_by_role("status")).to_contain_text("Approved")
    assert_accessible(peter)
    match = SupportFamilyMatch.objects.get(request=request)
    assert (match.volunteer_id, match.state) == (chosen.volunteer_id, State.INTRODUCTION)

    peter.goto(f"{demo_world}/koppelen/wachtlijst/")
    expect(peter.get_by_role("heading", name="Waiting list planning")).to_be_visible()
    assert_accessible(peter)
