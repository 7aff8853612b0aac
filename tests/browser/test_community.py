"""The sociale kaart in the browser: Lisa (a professional) searches the demo directory by theme and distance, ticks
two entries and opens the family's overview, which prints without the site's menu; Peter (a coordinator) sees what
is due for review. axe-core on every page, and the search and overview on a 375-pixel phone. Read in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import TIMEOUT_MS, AssertAccessible, LoginAs

pytestmark = pytest.mark.browser


def _english(context: BrowserContext, url: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])


def _search_autism_near_leiden(page: Page) -> None:
    page.get_by_role("link", name="Sociale kaart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sociale kaart")
    page.get_by_label("Theme", exact=True).select_option(label="Autism")
    page.get_by_label("Near the place").fill("Leiden")
    page.get_by_label("Within").select_option(label="10 km")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="3 entries found")).to_be_visible()


def _fits(page: Page) -> None:
    # Sizes are only final once the stylesheets have loaded.
    page.wait_for_load_state("load")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{page.url} is {scroll_width}px wide on a {inner_width}px screen"


def test_lisa_finds_clubs_for_autism_near_leiden_and_prints_two_for_the_family(
    browser: Browser, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        _english(context, demo_world)
        page = context.new_page()
        login_as(page, "lisa")
        _search_autism_near_leiden(page)
        results = page.locator("li.result h3")
        expect(results).to_have_text(
            ["Voetbalvereniging Lugdunum", "Sportmaatjes Leiderdorp", "Autisme Ontmoetingsgroep Rijnland"]
        )
        expect(page.locator("li.result").first).to_contain_text("0.0 km away")
        expect(page.get_by_text("Opvoedsteunpunt Utrecht Oost")).to_have_count(0)
        _fits(page)
        assert_accessible(page)

        page.get_by_label("Print Voetbalvereniging Lugdunum").check()
        page.get_by_label("Print Sportmaatjes Leiderdorp").check()
        page.get_by_role("button", name="Print for the family").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What is near you")
        expect(page.locator(".print-entry h2")).to_have_text(["Voetbalvereniging Lugdunum", "Sportmaatjes Leiderdorp"])
        expect(page.locator(".print-entry").first).to_contain_text("071-5550101")
        # Nobody's name: not the professional who prints, nor the keeper who checked the entry.
        expect(page.locator("main")).not_to_contain_text("Lisa")
        expect(page.locator("main")).not_to_contain_text("Peter")
        _fits(page)
        assert_accessible(page)

        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".print-entry").first).to_be_visible()
    finally:
        context.close()


def test_peter_sees_what_is_due_for_review_and_marks_it_checked(
    context: BrowserContext, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    _english(context, demo_world)
    page = context.new_page()
    login_as(page, "peter")
    page.get_by_role("link", name="Sociale kaart").click()
    review = page.get_by_role("region", name="Due for review")
    expect(review).to_contain_text("Schuldhulp Steunpunt Leiden")
    assert_accessible(page)
    review.get_by_role("link", name="Schuldhulp Steunpunt Leiden").click()
    expect(page.locator(".badge.warn")).to_have_text("Due for review")
    assert_accessible(page)
    page.get_by_role("button", name="Still right: mark as checked today").click()
    expect(page.locator(".messages")).to_contain_text("Schuldhulp Steunpunt Leiden is marked as checked today.")
    expect(page.locator(".badge.warn")).to_have_count(0)

    page.get_by_role("link", name="Change").click()
    page.get_by_label("Opening times").fill("Dinsdag 9:00-12:00")
    page.get_by_label("Phone").fill("")
    page.get_by_label("Email address").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_contain_text("Give at least one way to get in touch")
    assert_accessible(page)


def test_eight_entries_print_on_one_a4_page(context: BrowserContext, demo_world: str, login_as: LoginAs) -> None:
    from community.models import Resource

    _english(context, demo_world)
    page = context.new_page()
    login_as(page, "lisa")
    # The eight longest descriptions: the hardest case for one page.
    longest = sorted(Resource.objects.all(), key=lambda r: -len(r.description))[:8]
    page.goto(f"{demo_world}/sociale-kaart/afdrukken/?" + "&".join(f"id={r.pk}" for r in longest))
    expect(page.locator(".print-entry")).to_have_count(8)
    page.wait_for_load_state("load")
    pdf = page.pdf(format="A4")
    # Each page object says "/Type /Page"; the page tree says "/Type /Pages".
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, f"the overview takes {pages} pages"
