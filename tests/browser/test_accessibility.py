"""Every demo person's home page and the main youth pages pass axe-core's WCAG 2.1 A/AA rules in a real browser."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from demo.world import PEOPLE
from tests.browser.conftest import WCAG_21_AA, AssertAccessible, LoginAs
from youth.models import Case, YoungPerson

pytestmark = pytest.mark.browser

DEMO_LOCALS = [local for local, *_ in PEOPLE]


@pytest.mark.parametrize("local", DEMO_LOCALS)
def test_home_page_per_demo_person(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible, local: str
) -> None:
    login_as(page, local)
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_login_page(page: Page, demo_world: str, assert_accessible: AssertAccessible) -> None:
    page.goto(f"{demo_world}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_accessible(page)
    # Submitted empty, the form shows its error summary and the errors next to the fields.
    page.locator("main form").filter(has=page.locator('input[name="password"]')).get_by_role("button").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page)


def test_young_person_own_pages(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    sanne = YoungPerson.objects.get(first_name="Sanne", last_name="de Vries", user__isnull=False)
    login_as(page, "sanne")
    for path in (f"/jongeren/{sanne.pk}/", f"/jongeren/{sanne.pk}/toestemming/", f"/jongeren/{sanne.pk}/wie-keek/"):
        response = page.goto(f"{demo_world}{path}")
        assert response is not None and response.status == 200, path
        assert_accessible(page)


def test_professional_pages(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    case = Case.objects.get(young_person__first_name="Sanne", young_person__last_name="de Vries")
    login_as(page, "lisa")
    for path in ("/jongeren/", "/jongeren/aanmelden/", f"/jongeren/trajecten/{case.pk}/"):
        response = page.goto(f"{demo_world}{path}")
        assert response is not None and response.status == 200, path
        assert_accessible(page)


def test_registration_form_errors(
    page: Page, demo_world: str, login_as: LoginAs, assert_accessible: AssertAccessible
) -> None:
    login_as(page, "lisa")
    page.goto(f"{demo_world}/jongeren/aanmelden/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.get_by_role("link").count() > 0
    assert_accessible(page)


def test_axe_reports_violations(page: Page, axe: Axe) -> None:
    """Guards the harness itself: a page with a known WCAG failure must not pass."""
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>')
    violations = axe.run(page, options=WCAG_21_AA).response["violations"]
    assert "image-alt" in {v["id"] for v in violations}
