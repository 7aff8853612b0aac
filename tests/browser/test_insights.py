"""The demo analyst (Femke, Holland Rijnland) opens the figures and the quarterly report: axe-core clean, figures
about groups only, and the report prints without the menu."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.conftest import AssertAccessible, LoginAs

pytestmark = [pytest.mark.browser, pytest.mark.demo_history]


def test_the_analyst_opens_the_dashboard_and_the_report(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": demo_world}])
    login_as(page, "femke")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Figures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Figures about groups")
    expect(page.locator("main")).to_contain_text("Holland Rijnland")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Count young people by").select_option("residence")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "basis=residence" in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Open the quarterly report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarterly report")
    expect(page.get_by_role("heading", name="Outcomes at closure")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
