"""The network map in the browser: Sanne adds people and chooses two in order; Lisa searches Daan's empty network
and asks for a buddy. axe-core on every page, and the map on a phone. Read in English, so the checks hold whatever
Dutch is merged later."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs, follow
from youth.models import BuddyRequest, MentorChoice, YoungPerson

pytestmark = pytest.mark.browser


def _english(context: BrowserContext, url: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])


@pytest.fixture
def english_page(context: BrowserContext, demo_world: str) -> Page:
    _english(context, demo_world)
    return context.new_page()


def _add(page: Page, name: str, relation: str, ring: str, trusted: str) -> None:
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("First name").fill(name)
    page.get_by_role("group", name="How do you know this person?").get_by_label(relation, exact=True).check()
    page.get_by_role("group", name="How close is this person to you?").get_by_label(ring, exact=True).check()
    page.get_by_role("group", name="Do you trust this person?").get_by_label(trusted, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(f"{name} is added to the network.")


def test_sanne_adds_three_people_and_chooses_two_in_order(
    english_page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    page = english_page
    login_as(page, "sanne")
    page.get_by_role("link", name="My network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My network")
    expect(page.get_by_role("img", name="Picture of the network of Sanne")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Save").click()  # nothing filled in: the errors are accessible too
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the network").click()

    _add(page, "Anna", "Family", "Very close", "Yes")
    _add(page, "Bilal", "Sport or club", "Close", "Yes")
    _add(page, "Chris", "School", "Further away", "No")
    very_close = page.get_by_role("list", name="Very close")
    expect(very_close).to_contain_text("Anna")
    expect(page.get_by_role("list", name="Further away")).to_contain_text("not trusted (yet)")

    follow(page, page.get_by_role("link", name="Change the choice"))
    assert_accessible(page)
    expect(page.get_by_label("1st choice").locator("option", has_text="Chris")).to_have_count(0)
    page.get_by_label("1st choice").select_option(label="Bilal")
    page.get_by_label("2nd choice").select_option(label="Anna")
    page.get_by_label("3rd choice").select_option(label="Nobody")
    page.get_by_role("button", name="Save my choice").click()
    expect(page.locator(".messages")).to_contain_text("Your choice is saved.")
    expect(page.locator("ol.mentor-choices li")).to_have_text(["Bilal", "Anna"])
    assert_accessible(page)

    sanne = YoungPerson.objects.get(first_name="Sanne")
    ranked = MentorChoice.objects.filter(young_person=sanne).order_by("rank")
    assert [c.person.first_name for c in ranked] == ["Bilal", "Anna"]

    follow(page, page.get_by_role("link", name="Remove Chris"))
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove").click()
    expect(page.locator(".messages")).to_contain_text("Chris is removed from the network.")


def test_lisa_searches_daans_empty_network_and_asks_for_a_buddy(
    english_page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    page = english_page
    login_as(page, "lisa")
    daan = YoungPerson.objects.get(first_name="Daan")
    page.goto(f"{demo_world}/jongeren/{daan.pk}/")
    page.get_by_role("link", name="Network map").click()
    expect(page.locator(".empty").first).to_have_text("Nobody is in the network of Daan yet.")
    assert_accessible(page)

    follow(page, page.get_by_role("link", name="Record a search"))
    assert_accessible(page)
    page.get_by_label("With whom").fill("Daan en zijn moeder")
    page.get_by_label("Outcome in one line").fill("Daan kent nog niemand die mentor kan zijn.")
    page.get_by_label("Ask for a volunteer buddy instead").check()
    page.get_by_role("button", name="Save the search").click()
    expect(page.locator(".messages")).to_contain_text("The request for a buddy waits for matching.")
    expect(page.get_by_text("The request is waiting for matching.")).to_be_visible()
    assert_accessible(page)
    assert BuddyRequest.objects.get(young_person=daan).status == BuddyRequest.Status.WAITING


def test_the_map_fits_a_phone(
    browser: Browser, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        _english(context, demo_world)
        page = context.new_page()
        login_as(page, "sanne")
        page.get_by_role("link", name="My network").click()
        expect(page.get_by_role("list", name="Very close")).to_contain_text("Karin")
        # The text is there before network.css has loaded; sizes are only final after the load event.
        page.wait_for_load_state("load")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px screen"
        # Every link and button in the list is a target of at least 44 pixels high.
        heights = page.locator(".network-person .actions a").evaluate_all(
            "links => links.map(a => a.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 44
        assert_accessible(page)
    finally:
        context.close()
