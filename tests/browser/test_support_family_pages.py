"""Support-family pages in the browser: the coordinator's overview, a request and a match, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AssertAccessible, LoginAs

pytestmark = pytest.mark.browser


def test_coordinator_follows_the_demo_match(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "peter")
    page.get_by_role("link", name="Steungezinnen").click()
    assert_accessible(page)
    page.get_by_role("link", name="Daan: Een weekend per maand logeren, zodat moeder rust heeft.").click()
    assert_accessible(page)
    page.get_by_role("link", name="Willem de Graaf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daan met Willem de Graaf")
    assert_accessible(page)
    # Not yet: the two families have not agreed to any agreements (tests/browser/test_support_family_journey.py).
    page.get_by_role("button", name="De koppeling voortzetten na de proefperiode").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
