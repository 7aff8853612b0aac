"""A request for a social broker walked in the browser to a referral followed up twice, each person in their own
browser: Lisa asks from Lieke's case page; Peter looks for brokers in the proposal round and shows them to the
family; Marieke chooses Ahmed from the anonymised profiles; Ahmed says yes; Lisa approves, which links him; Ahmed
records a referral to the football club and makes every step, and Marieke reads that Lieke still takes part after
three months. axe-clean at every step."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from community.models import BrokerRequest, Referral
from community.states import State
from matching.models import Proposal, ProposalStatus
from tests.browser.conftest import AssertAccessible, OpenAs, follow, lieke_gets_a_case

pytestmark = pytest.mark.browser


@pytest.fixture
def people(demo_world: str, open_as: OpenAs) -> dict[str, Page]:
    return {local: open_as(local) for local in ("lisa", "peter", "ahmed", "marieke")}


def _step(page: Page, heading: str) -> None:
    """Fill in and save the form under one step's heading on the referral page."""
    section = page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))
    if section.get_by_label("Datum").count():
        section.get_by_label("Datum").fill(timezone.localdate().isoformat())
    if section.get_by_label("ja, doet mee").count():
        section.get_by_label("ja, doet mee").check()
    section.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".messages")).to_contain_text("Opgeslagen")


def test_a_request_for_a_broker_ends_in_a_referral_followed_up_twice(
    people: dict[str, Page], demo_world: str, assert_accessible: AssertAccessible
) -> None:
    case = lieke_gets_a_case()

    lisa = people["lisa"]
    lisa.goto(f"{demo_world}/jongeren/trajecten/{case.pk}/")
    follow(lisa, lisa.get_by_role("link", name="Een sociaal makelaar vragen"))
    assert_accessible(lisa)
    lisa.get_by_role("button", name="Makelaar vragen").click()
    expect(lisa.locator(".error-summary")).to_be_visible()
    assert_accessible(lisa)
    lisa.get_by_label("Waarmee moet de makelaar helpen?").fill("Lieke wil graag voetballen bij een club.")
    lisa.get_by_role("button", name="Makelaar vragen").click()
    expect(lisa.locator(".messages")).to_contain_text("Je vraag is verstuurd.")
    expect(lisa.get_by_role("heading", level=1)).to_have_text("Sociaal makelaar voor Lieke")

    request = BrokerRequest.objects.get(case=case)
    peter = people["peter"]
    follow(peter, peter.locator("header").get_by_role("link", name="Sociaal makelaar"))
    assert_accessible(peter)
    peter.get_by_role("link", name="Lieke: Lieke wil graag voetballen bij een club.").click()
    peter.get_by_role("link", name="Naar de voorstellen voor een sociaal makelaar").click()
    peter.get_by_role("button", name="Zoek sociaal makelaars").click()
    expect(peter.get_by_role("heading", name="Voorgestelde sociaal makelaars")).to_be_visible()
    expect(peter.get_by_role("table").first).to_be_visible()
    assert_accessible(peter)
    peter.get_by_role("button", name="Laat de beste drie aan het gezin zien").click()
    expect(peter.locator(".messages")).to_contain_text("Het gezin kan nu kiezen.")
    shown = Proposal.objects.filter(broker_request=request, status=ProposalStatus.SHOWN)
    assert 2 <= shown.count() <= 3

    marieke = people["marieke"]
    marieke.locator("header").get_by_role("link", name="Sociaal makelaar").click()
    marieke.get_by_role("link", name="Lieke: Lieke wil graag voetballen bij een club.").click()
    marieke.get_by_role("link", name="Kies een sociaal makelaar").click()
    expect(marieke.get_by_role("heading", level=1)).to_have_text("Kies een sociaal makelaar")
    expect(marieke.get_by_role("button", name="Kies ")).to_have_count(shown.count())
    assert_accessible(marieke)
    for proposal in shown.select_related("volunteer__user"):
        assert proposal.volunteer.user.last_name not in marieke.content()
    marieke.get_by_role("button", name="Kies Ahmed").click()
    expect(marieke.locator(".messages")).to_contain_text("Bedankt voor je keuze.")
    chosen = Proposal.objects.get(broker_request=request, status=ProposalStatus.ASKED)

    ahmed = people["ahmed"]
    ahmed.goto(f"{demo_world}/koppelen/voorstellen/{chosen.pk}/")
    expect(ahmed.locator("main")).to_contain_text("Lieke wil graag voetballen bij een club.")
    assert_accessible(ahmed)
    ahmed.get_by_label("Ja, ik wil graag de sociaal makelaar van dit gezin zijn").check()
    ahmed.get_by_role("button", name="Stuur mijn antwoord").click()
    expect(ahmed.locator(".messages")).to_contain_text("Je antwoord is opgeslagen.")

    lisa.goto(f"{demo_world}/koppelen/makelaars/{request.pk}/")
    lisa.get_by_role("button", name="Keur de koppeling met Ahmed goed").click()
    expect(lisa.locator(".messages")).to_contain_text("De sociaal makelaar is gekoppeld")
    expect(lisa.get_by_role("heading", level=1)).to_have_text("Sociaal makelaar voor Lieke")
    expect(lisa.locator("main")).to_contain_text("Ahmed Yilmaz")
    assert_accessible(lisa)

    ahmed.locator("header").get_by_role("link", name="Sociaal makelaar").click()
    follow(ahmed, ahmed.get_by_role("link", name="Lieke: Lieke wil graag voetballen bij een club."))
    assert_accessible(ahmed)
    ahmed.get_by_label("Welk onderdeel van de sociale kaart").select_option(label="Voetbalvereniging Lugdunum")
    ahmed.get_by_label("de jongere").check()
    ahmed.get_by_role("button", name="Verbinding opschrijven").click()
    expect(ahmed.get_by_role("heading", level=1)).to_have_text("Verbinding met Voetbalvereniging Lugdunum")
    assert_accessible(ahmed)
    for heading in ("Het gezin zegt ja", "Eerste contact gehad", "Navragen na 4 weken", "Navragen na 3 maanden"):
        _step(ahmed, heading)
    expect(ahmed.get_by_text("doet na 3 maanden nog mee")).to_be_visible()
    assert_accessible(ahmed)

    marieke.locator("header").get_by_role("link", name="Sociaal makelaar").click()
    marieke.get_by_role("link", name="Lieke: Lieke wil graag voetballen bij een club.").click()
    marieke.get_by_role("link", name="Voetbalvereniging Lugdunum").click()
    expect(marieke.locator("main")).to_contain_text("doet na 3 maanden nog mee")
    expect(marieke.get_by_role("button", name="Opslaan")).to_have_count(0)
    assert_accessible(marieke)

    request.refresh_from_db()
    referral = Referral.objects.get(request=request)
    assert request.broker is not None
    assert (request.broker.user.first_name, referral.state) == ("Ahmed", State.CONNECTED)
    assert (referral.week4, referral.month3) == ("yes", "yes")
