"""Flows that only a real browser shows: the login form with a second factor, a phone screen, the language switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from demo.people import DEMO_PASSWORD
from demo.world import DEMO_TOTP_SECRET
from tests.browser.conftest import AssertAccessible, LoginAs
from tests.builders.accounts import current_totp

pytestmark = pytest.mark.browser


def test_login_form_with_authenticator_code(page: Page, demo_world: str, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{demo_world}/accounts/login/")
    login_form = page.locator("main form").filter(has=page.locator('input[name="password"]'))
    login_form.locator('input[name="login"]').fill("lisa@demo.dichtbij.example")
    login_form.locator('input[name="password"]').fill(DEMO_PASSWORD)
    login_form.locator("button[type=submit]").click()

    page.wait_for_url("**/accounts/2fa/authenticate/")
    code = page.locator('input[name="code"]')
    expect(code).to_be_visible()
    assert_accessible(page)

    code.fill(current_totp(DEMO_TOTP_SECRET))
    page.locator("main form").filter(has=code).locator("button[type=submit]").click()

    page.wait_for_url(f"{demo_world}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lisa")


def test_no_horizontal_scroll_on_a_phone(browser: Browser, demo_world: str, login_as: LoginAs) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        login_as(page, "sanne")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px screen"
    finally:
        context.close()


def test_switch_to_english(page: Page, demo_world: str) -> None:
    page.goto(f"{demo_world}/accounts/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "nl")
    page.locator("header").get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    # The switch itself now offers the way back.
    expect(page.locator("header").get_by_role("button", name="Nederlands")).to_be_visible()
