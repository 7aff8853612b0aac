"""Support-family pages in the browser, axe-clean: the coordinator's overview, a request and a match; the intake
filled in by the professional and corrected by the parent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from demo.world import VOLUNTEER_CENTRE
from hostfamilies.models import SupportRequest
from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs, follow, lieke_gets_a_case

pytestmark = pytest.mark.browser


def test_coordinator_follows_the_demo_match(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "peter")
    follow(page, page.get_by_role("link", name="Steungezinnen"))
    assert_accessible(page)
    # The overview opens on the waiting requests; Daan's is matched, so the coordinator looks it up.
    page.get_by_role("combobox", name="Aanvragen").select_option(label="Gekoppeld")
    page.get_by_label("Zoek op naam of plaats").fill("Daan")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator(".list-count").first).to_contain_text("1 gevonden")
    assert_accessible(page)
    follow(page, page.get_by_role("link", name="Daan: Een weekend per maand logeren, zodat moeder rust heeft."))
    assert_accessible(page)
    page.get_by_role("link", name="Willem de Graaf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daan met Willem de Graaf")
    assert_accessible(page)
    # Not yet: the two families have not agreed to any agreements (tests/browser/test_support_family_journey.py).
    page.get_by_role("button", name="De koppeling voortzetten na de proefperiode").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


def test_the_professional_fills_in_the_intake_and_the_parent_corrects_it(
    browser: Browser, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    case = lieke_gets_a_case()
    lisa, marieke = (browser.new_context(locale="nl-NL") for _i in range(2))
    try:
        page = lisa.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        login_as(page, "lisa")
        page.get_by_role("link", name="Steungezinnen").click()
        follow(page, page.get_by_role("link", name="Steungezin aanvragen"))
        assert_accessible(page)
        # Sent without what it is for, and with a word among the ages: both are named, nothing is saved.
        page.get_by_label("Voor welk gezin (traject)").select_option(label=str(case))
        page.get_by_label("Organisatie die een steungezin zoekt").select_option(label=VOLUNTEER_CENTRE)
        page.get_by_label("Leeftijden van broers en zussen die meekomen").fill("14, tien")
        page.get_by_role("button", name="Op de wachtlijst zetten").click()
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("Waarvoor heeft het gezin steun nodig?")
        expect(summary).to_contain_text("Schrijf alleen leeftijden in hele getallen")
        assert_accessible(page)
        assert not SupportRequest.objects.filter(case__young_person__first_name="Lieke").exists()

        page.get_by_label("Waarvoor heeft het gezin steun nodig?").fill("Een weekend per maand rust voor moeder.")
        page.get_by_label("Leeftijden van broers en zussen die meekomen").fill("14, 17")
        page.get_by_label("Logeren in het weekend").check()
        page.get_by_label("Hoe vaak").select_option(label="één keer per maand")
        page.get_by_role("button", name="Op de wachtlijst zetten").click()
        expect(page.locator(".messages")).to_contain_text("De aanvraag staat op de wachtlijst.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Steungezin voor Lieke")
        assert_accessible(page)

        # Marieke reads what was written down about her family, and corrects it: Lieke is allergic to the cat.
        page = marieke.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        login_as(page, "marieke")
        page.get_by_role("link", name="Steungezinnen").click()
        page.get_by_role("link", name="Lieke: Een weekend per maand rust voor moeder.").click()
        expect(page.locator("dl.facts")).to_contain_text("14, 17")
        follow(page, page.get_by_role("link", name="Iets verbeteren of aanvullen"))
        assert_accessible(page)
        page.get_by_label("Een kind is allergisch voor huisdieren").check()
        page.get_by_label("Plaats waar het gezin woont").fill("")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.locator(".error-summary")).to_contain_text("Plaats waar het gezin woont")
        assert_accessible(page)
        page.get_by_label("Plaats waar het gezin woont").fill("Leiden")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.locator(".messages")).to_contain_text("Opgeslagen. Bedankt voor het nakijken.")
        expect(page.locator("dl.facts")).to_contain_text("Een kind is allergisch voor huisdieren")
        assert_accessible(page)
    finally:
        lisa.close()
        marieke.close()
    recorded = SupportRequest.objects.get(case__young_person__first_name="Lieke")
    assert (recorded.other_children_ages, recorded.pet_allergy, recorded.home_place) == ([14, 17], True, "Leiden")
    assert recorded.updated_by == User.objects.get(email__startswith="marieke@")
